# expect: FG506
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
    import pathlib
    base = pathlib.Path(BASE)
    p = (base / event['name']).resolve()
    return p.read_text()
