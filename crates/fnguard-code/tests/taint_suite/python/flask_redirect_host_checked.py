# expect: none
from flask import Flask, request, redirect
from urllib.parse import urlparse
import awsgi
app = Flask(__name__)

@app.route('/go')
def go():
    u = request.args.get('next', '')
    if urlparse(u).netloc != 'example.com':
        return redirect('/')
    return redirect(u)

def handler(event, context):
    return awsgi.response(app, event, context)
