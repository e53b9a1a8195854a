# expect: none
from flask import Flask, request
import os, awsgi
app = Flask(__name__)

@app.route('/tools/ls')
def ls():
    part = request.path.split('/')[1]
    os.system('ls ' + part)
    return 'ok'

def handler(event, context):
    return awsgi.response(app, event, context)
