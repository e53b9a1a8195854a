# expect: FG501
from flask import Flask, request
import os, awsgi
app = Flask(__name__)

@app.route('/run', methods=['POST'])
def run():
    os.system('echo ' + request.args.get('msg'))
    return 'ok'

def handler(event, context):
    return awsgi.response(app, event, context)
