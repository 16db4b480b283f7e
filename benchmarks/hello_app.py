"""The peer of the service benchmarks: a hello-world FastAPI app, nothing else.

    python -m uvicorn hello_app:app --app-dir benchmarks

`bench_service.py` and `bench_api.py` run it under the same uvicorn, with the same options as
``panet serve``, next to panet in the same run.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
