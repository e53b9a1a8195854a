# expect: FG501
import os, json, base64, subprocess, shlex, pickle, yaml, sqlite3, re, hashlib, hmac, logging
import requests, boto3, jwt
from lxml import etree
import pymongo
logger = logging.getLogger()
conn = sqlite3.connect(':memory:')
table = boto3.resource('dynamodb').Table('t')
sm = boto3.client('secretsmanager')
sns = boto3.client('sns')
ALLOWED = {'ls', 'pwd'}
BASE = '/opt/data/'

def handler(event, context):
    Eager(event)

    class Job:
        def __init__(self, e):
            self.cmd = e['cmd']
            self.name = 'ls'

        def run_name(self):
            os.system(self.name)

        def run_cmd(self):
            os.system(self.cmd)

    class Eager:
        def __init__(self, e):
            os.system(e['cmd'])
