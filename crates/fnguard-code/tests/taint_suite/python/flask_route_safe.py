# expect: none
from flask import Flask, request
import subprocess, awsgi
app = Flask(__name__)

@app.route('/run')
def run():
    subprocess.run(['echo', request.args.get('msg')])
    return 'ok'

def handler(event, context):
    return awsgi.response(app, event, context)
