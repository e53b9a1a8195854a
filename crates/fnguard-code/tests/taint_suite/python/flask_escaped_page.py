# expect: none
from flask import Flask, request
import markupsafe, awsgi
app = Flask(__name__)

@app.route('/hi')
def hi():
    return f"<h1>Hi {markupsafe.escape(request.args.get('name'))}</h1>"

def handler(event, context):
    return awsgi.response(app, event, context)
