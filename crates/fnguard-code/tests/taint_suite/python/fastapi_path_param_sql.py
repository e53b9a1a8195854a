# expect: FG504
from fastapi import FastAPI
from mangum import Mangum
import sqlite3
app = FastAPI()
conn = sqlite3.connect(':memory:')

@app.get('/items/{item_id}')
def read_item(item_id: str):
    return conn.execute(f"SELECT * FROM items WHERE id = '{item_id}'").fetchall()

handler = Mangum(app)

def handler(event, context):
    return Mangum(app)(event, context)
