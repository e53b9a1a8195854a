# expect: FG501
from flask import Flask, request
import os, awsgi
app = Flask(__name__)

@app.route('/tools/<name>')
def tool(name):
    part = request.path.split('/')[2]
    os.system('ls ' + part)
    return 'ok'

def handler(event, context):
    return awsgi.response(app, event, context)
