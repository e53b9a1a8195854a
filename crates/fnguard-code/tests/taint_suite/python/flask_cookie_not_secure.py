# expect: FG526
from flask import Flask, make_response
import secrets, awsgi
app = Flask(__name__)

@app.route('/login', methods=['POST'])
def login():
    r = make_response('ok')
    r.set_cookie('session', secrets.token_hex(16))
    return r

def handler(event, context):
    return awsgi.response(app, event, context)
