# expect: none
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
    r = Runner(show)
    r.go(event['cmd'])


def shell(c):
    os.system(c)

def show(c):
    print(c)

class Runner:
    def __init__(self, fn):
        self.fn = fn

    def go(self, x):
        return self.fn(x)
