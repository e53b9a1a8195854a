# expect: FG529
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
    h = hashlib.new('sha1')
    h.update(event['body'].encode())
    with open('/mnt/users/passwords.db', 'a') as f:
        f.write(h.hexdigest())
