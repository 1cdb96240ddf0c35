"""A small FastAPI app: importing it builds the routes and pydantic models (pydantic-core's C code)."""
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="wheelbarrow real-world test")


class Item(BaseModel):
    name: str
    price: float


@app.post("/items")
def create(item: Item) -> Item:
    return item


def main():
    print("routes:", sorted(r.path for r in app.routes))
    print("validated:", Item(name="x", price="1.5"))
