#!/usr/bin/env python3
"""Writes fnguard's taint fixture suite: small handlers, each labelled with the rules it must
(and, by omission, must not) trigger. Run from the repository root; the output is committed in
crates/fnguard-code/tests/taint_suite/ and read by crates/fnguard-code/tests/taint_suite.rs.

Each case: (name, expected rules, body). Python bodies are the inside of
`def handler(event, context):`; JavaScript bodies the inside of
`exports.handler = async (event, context) => { ... }`. Files starting with `_` are helper
modules that cases import (flows through local modules).
"""
import os, textwrap

ROOT = "crates/fnguard-code/tests/taint_suite"

PY_HEAD = "import os, json, base64, subprocess, shlex, pickle, yaml, sqlite3, re, hashlib, hmac, logging\nimport requests, boto3, jwt\nfrom lxml import etree\nimport pymongo\nlogger = logging.getLogger()\nconn = sqlite3.connect(':memory:')\ntable = boto3.resource('dynamodb').Table('t')\nsm = boto3.client('secretsmanager')\nsns = boto3.client('sns')\nALLOWED = {'ls', 'pwd'}\nBASE = '/opt/data/'\n"
JS_HEAD = "const cp = require('child_process');\nconst { exec } = require('child_process');\nconst fs = require('fs');\nconst path = require('path');\nconst vm = require('vm');\nconst axios = require('axios');\nconst jwt = require('jsonwebtoken');\nconst crypto = require('crypto');\nconst serialize = require('node-serialize');\nconst libxmljs = require('libxmljs');\nconst { MongoClient } = require('mongodb');\nconst mysql = require('mysql2/promise');\nconst db = mysql.createPool({});\nconst users = new MongoClient('mongodb://localhost').db('a').collection('users');\nconst ALLOWED = ['ls', 'pwd'];\n"

PY = [
 # FG501 command injection
 ("cmd_direct", ["FG501"], "os.system(event['cmd'])"),
 ("cmd_concat_var", ["FG501"], "d = event['queryStringParameters']['dir']\ncmd = 'ls ' + d\nos.system(cmd)"),
 ("cmd_fstring_shell", ["FG501"], "body = json.loads(event['body'])\nsubprocess.run(f\"echo {body['x']}\", shell=True)"),
 ("cmd_local_function", ["FG501"], "run(event['body'])\n\ndef run(c):\n    os.popen('sh -c ' + c)"),
 ("cmd_helper_module", ["FG501"], "from _helpers_py import run_shell\nrun_shell(event['body'])"),
 ("cmd_records_loop", ["FG501"], "for r in event['Records']:\n    os.system(r['body'])"),
 ("cmd_base64", ["FG501"], "os.system(base64.b64decode(event['body']).decode())"),
 ("cmd_format", ["FG501"], "os.system('tar xf {}'.format(event['name']))"),
 ("cmd_shlex_quote", [], "os.system('ls ' + shlex.quote(event['dir']))"),
 ("cmd_argv_no_shell", [], "subprocess.run(['ls', event['dir']])"),
 ("cmd_constant", [], "os.system('ls /tmp')"),
 ("cmd_env_not_event", [], "d = os.environ.get('WORKDIR', '/tmp')\nos.system('ls ' + d)"),
 ("cmd_allow_list", [], "c = event['cmd']\nif c in ALLOWED:\n    os.system(c)"),
 # FG517 template injection, FG522 ReDoS
 ("ssti_jinja_template", ["FG517"], "import jinja2\nreturn jinja2.Template(json.loads(event['body'])['tpl']).render()"),
 ("ssti_constant_template", [], "import jinja2\nreturn jinja2.Template('Hello {{ n }}').render(n=event['name'])"),
 ("redos_compile", ["FG522"], "return re.compile(event['q']).findall('abc')"),
 ("redos_escaped", [], "return re.compile(re.escape(event['q'])).findall('abc')"),
 ("redos_constant_on_event", [], "return re.findall(r'[a-z]+', event['q'])"),
 # FG527 the whole environment
 ("environ_printed", ["FG527"], "print(os.environ)"),
 ("environ_one_variable", [], "print(os.environ['STAGE'], os.environ.get('REGION'))"),
 # Guards: only a real check of the variable itself cleans it.
 ("cmd_after_method_routing", ["FG501"], "if event['httpMethod'] == 'GET':\n    os.system(event['queryStringParameters']['cmd'])"),
 ("cmd_truthiness_not_a_guard", ["FG501"], "c = event.get('cmd')\nif c:\n    os.system(c)"),
 ("cmd_length_not_a_guard", ["FG501"], "c = event['cmd']\nif len(c) < 20:\n    os.system(c)"),
 ("cmd_equal_other_variable", ["FG501"], "c = event['cmd']\nd = event['dir']\nif c == d:\n    os.system(c)"),
 ("cmd_equal_constant", [], "c = event['cmd']\nif c == 'ls':\n    os.system(c)"),
 ("cmd_unanchored_match", ["FG501"], "c = event['cmd']\nif re.match(r'[a-z]+', c):\n    os.system(c)"),
 ("cmd_fullmatch", [], "c = event['cmd']\nif re.fullmatch(r'[a-z]+', c):\n    os.system(c)"),
 ("cmd_anchored_match", [], "c = event['cmd']\nif re.match(r'^[a-z]+$', c):\n    os.system(c)"),
 ("cmd_int_cast", [], "n = int(event['n'])\nos.system('sleep %d' % n)"),
 ("cmd_helper_safe", [], "from _helpers_py import run_fixed\nrun_fixed(event['body'])"),
 # FG502 code injection
 ("eval_direct", ["FG502"], "return eval(event['expr'])"),
 ("exec_body", ["FG502"], "code = json.loads(event['body'])['code']\nexec(code)"),
 ("eval_via_helper", ["FG502"], "from _helpers_py import evaluate\nreturn evaluate(event['q'])"),
 ("eval_constant", [], "return eval('1 + 1')"),
 ("eval_literal_eval", [], "import ast\nreturn ast.literal_eval(event['expr'])"),
 ("eval_number", [], "return eval(str(float(event['x'])))"),
 # FG503 deserialization
 ("pickle_body", ["FG503"], "return pickle.loads(base64.b64decode(event['body']))"),
 ("yaml_load_default", ["FG503"], "return yaml.load(event['body'])"),
 ("yaml_load_fullloader", ["FG503"], "return yaml.load(event['body'], Loader=yaml.FullLoader)"),
 ("yaml_unsafe_load_record", ["FG503"], "for rec in event['Records']:\n    yaml.unsafe_load(rec['body'])"),
 ("yaml_safe_load", [], "return yaml.safe_load(event['body'])"),
 ("yaml_load_safeloader", [], "return yaml.load(event['body'], Loader=yaml.SafeLoader)"),
 ("pickle_local_file", [], "with open('/opt/model.pkl', 'rb') as f:\n    return pickle.load(f)"),
 # FG504 SQL injection
 ("sql_fstring", ["FG504"], "oid = event['pathParameters']['id']\nconn.execute(f\"SELECT * FROM o WHERE id = '{oid}'\")"),
 ("sql_percent", ["FG504"], "conn.execute(\"SELECT * FROM u WHERE name = '%s'\" % event['name'])"),
 ("sql_concat_helper", ["FG504"], "from _helpers_py import find_user\nfind_user(conn, event['queryStringParameters']['name'])"),
 ("sql_format", ["FG504"], "q = 'DELETE FROM t WHERE k = {}'.format(event['k'])\nconn.executescript(q)"),
 ("sql_parameterized", [], "conn.execute('SELECT * FROM o WHERE id = ?', (event['pathParameters']['id'],))"),
 ("sql_constant", [], "conn.execute('SELECT count(*) FROM o')"),
 ("sql_int", [], "conn.execute('SELECT * FROM o LIMIT %d' % int(event['limit']))"),
 ("sql_helper_param", [], "from _helpers_py import find_user_safe\nfind_user_safe(conn, event['name'])"),
 # FG505 NoSQL
 ("ddb_filter_concat", ["FG505"], "table.scan(FilterExpression='owner = ' + event['owner'])"),
 ("ddb_update_fstring", ["FG505"], "f = event['field']\ntable.update_item(Key={'pk': 'x'}, UpdateExpression=f'SET {f} = :v', ExpressionAttributeValues={':v': 1})"),
 ("mongo_query_object", ["FG505"], "q = json.loads(event['body'])\npymongo.MongoClient().db.users.find_one(q)"),
 ("ddb_placeholders", [], "table.scan(FilterExpression='#o = :o', ExpressionAttributeNames={'#o': 'owner'}, ExpressionAttributeValues={':o': event['owner']})"),
 ("ddb_constant_expr", [], "table.query(KeyConditionExpression='pk = :p', ExpressionAttributeValues={':p': 'fixed'})"),
 ("mongo_str_cast", [], "body = json.loads(event['body'])\npymongo.MongoClient().db.users.find_one({'name': str(body['name'])})"),
 # FG506 path traversal
 ("path_open_concat", ["FG506"], "with open('/opt/data/' + event['file']) as f:\n    return f.read()"),
 ("path_join_remove", ["FG506"], "os.remove(os.path.join(BASE, event['queryStringParameters']['name']))"),
 ("path_via_local_fn", ["FG506"], "return read(event['name'])\n\ndef read(n):\n    return open(BASE + n).read()"),
 ("path_record_key", ["FG506"], "for r in event['Records']:\n    with open(r['s3']['object']['key']) as f:\n        pass"),
 ("path_basename", [], "with open(BASE + os.path.basename(event['file'])) as f:\n    return f.read()"),
 ("path_constant", [], "with open('/opt/data/config.json') as f:\n    return f.read()"),
 ("path_guarded_prefix", [], "p = os.path.realpath(BASE + event['file'])\nif not p.startswith(BASE):\n    return {'statusCode': 400}\nreturn open(p).read()"),
 ("path_prefix_without_realpath", ["FG506"], "p = BASE + event['file']\nif not p.startswith(BASE):\n    return {'statusCode': 400}\nreturn open(p).read()"),
 # FG507 SSRF
 ("ssrf_requests", ["FG507"], "return requests.get(event['queryStringParameters']['url']).text"),
 ("ssrf_post_body", ["FG507"], "b = json.loads(event['body'])\nrequests.post(b['webhook'], json={'ok': True})"),
 ("ssrf_urlopen_concat", ["FG507"], "import urllib.request\nurllib.request.urlopen('http://' + event['host'] + '/status')"),
 ("ssrf_kwarg_url", ["FG507"], "requests.request('GET', url=event['target'])"),
 ("ssrf_fixed_host", [], "from urllib.parse import quote\nreturn requests.get('https://api.example.com/items/' + quote(event['id'])).text"),
 ("ssrf_constant", [], "return requests.get('https://api.example.com/health').status_code"),
 ("ssrf_allow_list", [], "u = event['url']\nif u in ('https://a.example.com', 'https://b.example.com'):\n    requests.get(u)"),
 # FG508 XXE
 ("xxe_resolve_entities", ["FG508"], "parser = etree.XMLParser(resolve_entities=True)\nreturn etree.fromstring(event['body'], parser)"),
 ("xxe_safe_parser", [], "parser = etree.XMLParser(resolve_entities=False)\nreturn etree.fromstring(event['body'], parser)"),
 # FG509 secrets
 ("secret_aws_key", ["FG509"], "client = boto3.client('s3', aws_access_key_id='AKIAQWERTYUIOPASDFGH', aws_secret_access_key='wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzz12')"),
 ("secret_password_literal", ["FG509"], "DB_PASSWORD = 'hunter2hunter2'\nreturn DB_PASSWORD[:0]"),
 ("secret_example_key", [], "client = boto3.client('s3', aws_access_key_id='AKIAIOSFODNN7EXAMPLE')"),
 ("secret_from_env", [], "DB_PASSWORD = os.environ['DB_PASSWORD_PARAM']\nreturn {}"),
 # FG510 JWT
 ("jwt_no_verify", ["FG510"], "token = event['headers']['authorization']\nreturn jwt.decode(token, options={'verify_signature': False}, verify_signature=False)"),
 ("jwt_verify_false", ["FG510"], "return jwt.decode(event['headers']['Authorization'], verify=False)"),
 ("jwt_verified", [], "return jwt.decode(event['headers']['authorization'], os.environ['PUBLIC_KEY_PEM'], algorithms=['RS256'])"),
 ("jwt_constant_token", [], "return jwt.decode('static', verify=False)"),
 # FG511 logging
 ("log_whole_event", ["FG511"], "print(event)"),
 ("log_headers", ["FG511"], "logger.info('headers: %s', event['headers'])"),
 ("log_request_id", [], "logger.info('request %s', context.aws_request_id)"),
 ("log_route_only", [], "print('path', event['rawPath'])"),
 # FG512 error details
 ("error_str_returned", ["FG512"], "try:\n    return {'statusCode': 200, 'body': do(event)}\nexcept Exception as e:\n    return {'statusCode': 500, 'body': str(e)}\n\ndef do(e):\n    return ''"),
 ("error_traceback_returned", ["FG512"], "import traceback\ntry:\n    return {'statusCode': 200}\nexcept Exception:\n    return {'statusCode': 500, 'body': traceback.format_exc()}"),
 ("error_generic_message", [], "try:\n    return {'statusCode': 200}\nexcept Exception as e:\n    logger.exception('failed')\n    return {'statusCode': 500, 'body': 'internal error'}"),
 ("error_logged_only", [], "try:\n    return {'statusCode': 200}\nexcept Exception as e:\n    print(e)\n    return {'statusCode': 500}"),
 # FG513 identity
 ("identity_body_user_id", ["FG513"], "uid = json.loads(event['body'])['userId']\nreturn table.get_item(Key={'pk': uid})"),
 ("identity_query_tenant", ["FG513"], "t = event['queryStringParameters']['tenant_id']\ntable.query(KeyConditionExpression='pk = :t', ExpressionAttributeValues={':t': t})"),
 ("identity_admin_branch", ["FG513"], "body = json.loads(event['body'])\nif body['role'] == 'admin':\n    return table.scan()"),
 ("identity_admin_from_claims", [], "claims = event['requestContext']['authorizer']['claims']\nif claims['role'] == 'admin':\n    return table.scan()"),
 ("identity_authorizer", [], "uid = event['requestContext']['authorizer']['claims']['sub']\nreturn table.get_item(Key={'pk': uid})"),
 ("identity_order_id", [], "oid = event['pathParameters']['orderId']\nreturn table.get_item(Key={'pk': oid})"),
 # FG514 compare
 ("compare_api_key", ["FG514"], "if event['headers'].get('x-api-key') != os.environ['API_KEY']:\n    return {'statusCode': 403}"),
 ("compare_signature_const", ["FG514"], "SIGNING_SECRET = os.environ.get('SIGNING_SECRET')\nif event['headers']['x-signature'] == SIGNING_SECRET:\n    return {'statusCode': 200}"),
 ("compare_digest", [], "if not hmac.compare_digest(event['headers'].get('x-api-key', ''), os.environ['API_KEY']):\n    return {'statusCode': 403}"),
 ("compare_non_secret", [], "if event['headers'].get('content-type') == 'application/json':\n    return {'statusCode': 200}"),
 # FG515 password hash
 ("hash_password_sha256", ["FG515"], "password = json.loads(event['body'])['password']\nreturn hashlib.sha256(password.encode()).hexdigest()"),
 ("hash_password_scrypt", [], "password = json.loads(event['body'])['password']\nreturn hashlib.scrypt(password.encode(), salt=os.urandom(16), n=16384, r=8, p=1).hex()"),
 # FG516 secrets out
 ("secret_printed", ["FG516"], "s = sm.get_secret_value(SecretId='db')['SecretString']\nprint('secret is', s)"),
 ("secret_returned", ["FG516"], "key = os.environ['API_SECRET']\nreturn {'statusCode': 200, 'body': key}"),
 ("secret_published", ["FG516"], "tok = os.getenv('SERVICE_TOKEN')\nsns.publish(TopicArn='arn', Message=tok)"),
 ("secret_used_not_leaked", [], "s = sm.get_secret_value(SecretId='db')['SecretString']\nconn2 = requests.Session()\nconn2.auth = ('u', s)\nreturn {'statusCode': 200}"),
 ("secret_name_only", [], "return {'statusCode': 200, 'body': os.environ['SECRET_ARN']}"),
 # FG901 /tmp
 ("tmp_write_event_name", ["FG901"], "with open('/tmp/' + event['name'], 'w') as f:\n    f.write('x')"),
 ("tmp_download_key", ["FG901"], "s3 = boto3.client('s3')\nfor r in event['Records']:\n    k = r['s3']['object']['key']\n    s3.download_file('b', k, '/tmp/' + k)"),
 ("tmp_fixed_name", [], "with open('/tmp/cache.json', 'w') as f:\n    f.write(event['body'])"),
 ("tmp_read_only", ["FG506"], "with open('/tmp/' + event['name']) as f:\n    return f.read()"),
]

JS = [
 ("cmd_exec_template", ["FG501"], "const { file } = JSON.parse(event.body);\nexec(`convert ${file} out.png`);"),
 ("cmd_cp_exec_concat", ["FG501"], "cp.execSync('ls ' + event.queryStringParameters.dir);"),
 ("cmd_spawn_shell", ["FG501"], "cp.spawn(event.body, [], { shell: true });"),
 ("cmd_records_foreach", ["FG501"], "event.Records.forEach((r) => exec(r.body));"),
 ("cmd_for_of", ["FG501"], "for (const r of event.Records) {\n  cp.exec('process ' + r.body);\n}"),
 ("cmd_helper_module", ["FG501"], "const { runShell } = require('./_helpers_js');\nrunShell(event.body);"),
 ("cmd_local_function", ["FG501"], "function run(c) { exec('sh -c ' + c); }\nrun(event.queryStringParameters.c);"),
 ("cmd_spawn_argv", [], "cp.spawn('ls', [event.body]);"),
 ("cmd_execfile", [], "cp.execFile('convert', [event.body]);"),
 ("cmd_constant", [], "exec('ls /tmp');"),
 ("cmd_allow_list", [], "const c = event.cmd;\nif (!ALLOWED.includes(c)) { return { statusCode: 400 }; }\nexec(c);"),
 # FG517, FG522, FG523
 ("ssti_ejs_render", ["FG517"], "const ejs = require('ejs');\nreturn ejs.render(JSON.parse(event.body).tpl);"),
 ("redos_regexp", ["FG522"], "return new RegExp(event.q).test('abc');"),
 ("redos_constant_regexp", [], "return /^[a-z]+$/.test(event.q);"),
 ("environ_returned", ["FG527"], "return { statusCode: 200, body: JSON.stringify(process.env) };"),
 ("environ_destructured", [], "const { STAGE } = process.env;\nconsole.log(STAGE, process.env.REGION);"),
 ("proto_merge_body", ["FG523"], "const _ = require('lodash');\nreturn _.merge({}, JSON.parse(event.body));"),
 ("proto_merge_fixed_keys", [], "const _ = require('lodash');\nconst { a } = JSON.parse(event.body);\nreturn _.merge({}, { a: String(a) });"),
 ("cmd_after_path_routing", ["FG501"], "if (event.path === '/run') {\n  exec(event.queryStringParameters.cmd);\n}"),
 ("cmd_truthiness_not_a_guard", ["FG501"], "const filter = event.queryStringParameters.filter;\nif (filter) {\n  exec('grep ' + filter);\n}"),
 ("cmd_unanchored_test", ["FG501"], "const c = event.cmd;\nif (/[a-z]+/.test(c)) {\n  exec(c);\n}"),
 ("cmd_anchored_test", [], "const c = event.cmd;\nif (!/^[a-z]+$/.test(c)) { return { statusCode: 400 }; }\nexec(c);"),
 ("cmd_number", [], "const n = Number(event.n);\nexec('sleep ' + n);"),
 ("cmd_helper_safe", [], "const { runFixed } = require('./_helpers_js');\nrunFixed(event.body);"),
 ("cmd_env_var", [], "exec('ls ' + process.env.WORKDIR);"),
 # FG502
 ("eval_body", ["FG502"], "return eval(event.body);"),
 ("function_ctor", ["FG502"], "const f = new Function('a', JSON.parse(event.body).code);\nreturn f(1);"),
 ("vm_run", ["FG502"], "return vm.runInNewContext(event.queryStringParameters.expr, {});"),
 ("settimeout_string", ["FG502"], "setTimeout('run(' + event.body + ')', 10);"),
 ("eval_constant", [], "return eval('1 + 1');"),
 ("settimeout_function", [], "setTimeout(() => console.log('x'), 10);"),
 ("json_parse", [], "return JSON.parse(event.body).x;"),
 # FG503
 ("unserialize_body", ["FG503"], "return serialize.unserialize(event.body);"),
 ("unserialize_b64", ["FG503"], "const raw = Buffer.from(event.body, 'base64').toString();\nreturn serialize.unserialize(raw);"),
 ("unserialize_helper", ["FG503"], "const { load } = require('./_helpers_js');\nreturn load(event.body);"),
 ("unserialize_constant", [], "return serialize.unserialize('{}');"),
 ("json_instead", [], "return JSON.parse(event.body);"),
 # FG504
 ("sql_concat", ["FG504"], "await db.query('SELECT * FROM o WHERE id = ' + event.pathParameters.id);"),
 ("sql_template", ["FG504"], "const { name } = JSON.parse(event.body);\nawait db.execute(`SELECT * FROM u WHERE name = '${name}'`);"),
 ("sql_helper", ["FG504"], "const { findUser } = require('./_helpers_js');\nawait findUser(db, event.queryStringParameters.name);"),
 ("sql_placeholders", [], "await db.query('SELECT * FROM o WHERE id = ?', [event.pathParameters.id]);"),
 ("sql_constant", [], "await db.query('SELECT count(*) FROM o');"),
 ("sql_number", [], "await db.query('SELECT * FROM o LIMIT ' + parseInt(event.limit, 10));"),
 ("ddb_query_object", [], "await ddb.query({ TableName: 't', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': event.pk } });"),
 # FG505
 ("ddb_filter_template", ["FG505"], "await ddb.scan({ TableName: 't', FilterExpression: `owner = ${event.owner}` });"),
 ("mongo_find_body", ["FG505"], "const body = JSON.parse(event.body);\nreturn users.findOne({ name: body.name, password: body.password });"),
 ("mongo_find_query", ["FG505"], "return users.find(JSON.parse(event.body)).toArray();"),
 ("ddb_placeholders", [], "await ddb.scan({ TableName: 't', FilterExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': event.owner } });"),
 ("mongo_string_cast", [], "const body = JSON.parse(event.body);\nreturn users.findOne({ name: String(body.name) });"),
 ("array_find", [], "const items = [{ id: 1 }];\nreturn items.find((i) => i.id === event.id);"),
 # FG506
 ("fs_read_join", ["FG506"], "return fs.readFileSync(path.join('/opt/t', event.queryStringParameters.name), 'utf8');"),
 ("fs_unlink", ["FG506"], "fs.unlinkSync('/data/' + JSON.parse(event.body).file);"),
 ("fs_stream_records", ["FG506"], "for (const r of event.Records) {\n  fs.createReadStream(r.s3.object.key);\n}"),
 ("fs_basename", [], "return fs.readFileSync(path.join('/opt/t', path.basename(event.name)), 'utf8');"),
 ("fs_constant", [], "return fs.readFileSync('/opt/t/index.html', 'utf8');"),
 ("fs_allow_list", [], "const n = event.name;\nif (['a.html', 'b.html'].includes(n)) {\n  return fs.readFileSync('/opt/t/' + n, 'utf8');\n}"),
 # FG507
 ("ssrf_axios", ["FG507"], "const r = await axios.get(event.queryStringParameters.url);\nreturn r.data;"),
 ("ssrf_fetch_template", ["FG507"], "const { host } = JSON.parse(event.body);\nreturn fetch(`http://${host}/status`);"),
 ("ssrf_axios_config", ["FG507"], "return axios({ method: 'get', url: event.target });"),
 ("ssrf_fixed_host", [], "return axios.get('https://api.example.com/items/' + encodeURIComponent(event.id));"),
 ("ssrf_constant", [], "return fetch('https://api.example.com/health');"),
 ("ssrf_env_host", [], "return fetch(process.env.BACKEND_URL + '/status');"),
 # FG508
 ("xxe_noent", ["FG508"], "return libxmljs.parseXml(event.body, { noent: true });"),
 ("xxe_default", [], "return libxmljs.parseXml(event.body);"),
 # FG509
 ("secret_github_token", ["FG509"], "const GITHUB_TOKEN = 'ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ';\nreturn GITHUB_TOKEN.length;"),
 ("secret_stripe", ["FG509"], "const stripe = require('stripe')('sk_live_51HxQdVLk8s7D9cPq2mYt0aZbN4eR');\nreturn stripe;"),
 ("secret_env", [], "const GITHUB_TOKEN = process.env.GITHUB_TOKEN;\nawait axios.get('https://api.github.com/user', { headers: { authorization: `token ${GITHUB_TOKEN}` } });\nreturn { statusCode: 200 };"),
 ("secret_placeholder", [], "const apiKey = 'your-api-key-here';\nreturn apiKey;"),
 # FG510
 ("jwt_decode", ["FG510"], "const claims = jwt.decode(event.headers.authorization);\nreturn claims.sub;"),
 ("jwt_decode_bearer", ["FG510"], "const token = event.headers.Authorization.replace('Bearer ', '');\nreturn jwt.decode(token).sub;"),
 ("jwt_verify", [], "return jwt.verify(event.headers.authorization, process.env.PUBLIC_KEY_PEM, { algorithms: ['RS256'] }).sub;"),
 ("jwt_decode_constant", [], "return jwt.decode('static.token.x');"),
 # FG511
 ("log_event_json", ["FG511"], "console.log(JSON.stringify(event));"),
 ("log_auth_header", ["FG511"], "console.info('auth', event.headers.authorization);"),
 ("log_request_id", [], "console.log('request', context.awsRequestId);"),
 ("log_path", [], "console.log('path', event.rawPath);"),
 # FG512
 ("error_stack", ["FG512"], "try {\n  return { statusCode: 200, body: await work() };\n} catch (err) {\n  return { statusCode: 500, body: err.stack };\n}\nasync function work() { return ''; }"),
 ("error_message_json", ["FG512"], "try {\n  return { statusCode: 200 };\n} catch (e) {\n  return { statusCode: 500, body: JSON.stringify({ error: e.message }) };\n}"),
 ("error_generic", [], "try {\n  return { statusCode: 200 };\n} catch (e) {\n  console.error(e);\n  return { statusCode: 500, body: 'internal error' };\n}"),
 ("error_rethrown", [], "try {\n  return { statusCode: 200 };\n} catch (e) {\n  throw new Error('failed');\n}"),
 # FG513
 ("identity_header_tenant", ["FG513"], "const tenantId = event.headers['x-tenant-id'];\nreturn ddb.get({ TableName: 't', Key: { pk: tenantId } });"),
 ("identity_body_user", ["FG513"], "const { userId } = JSON.parse(event.body);\nreturn ddb.get({ TableName: 't', Key: { pk: userId } });"),
 ("identity_is_admin_flag", ["FG513"], "const { isAdmin } = JSON.parse(event.body);\nif (isAdmin === true) { return ddb.scan({ TableName: 't' }); }"),
 ("identity_claims", [], "const userId = event.requestContext.authorizer.jwt.claims.sub;\nreturn ddb.get({ TableName: 't', Key: { pk: userId } });"),
 ("identity_order", [], "const orderId = event.pathParameters.orderId;\nreturn ddb.get({ TableName: 't', Key: { pk: orderId } });"),
 # FG514
 ("compare_token", ["FG514"], "if (event.headers['x-token'] === process.env.API_TOKEN) {\n  return { statusCode: 200 };\n}"),
 ("compare_api_key_var", ["FG514"], "const API_KEY = process.env.API_KEY;\nif (event.queryStringParameters.key !== API_KEY) return { statusCode: 403 };"),
 ("compare_timing_safe", [], "const a = Buffer.from(event.headers['x-token'] || '');\nconst b = Buffer.from(process.env.API_TOKEN);\nif (a.length === b.length && crypto.timingSafeEqual(a, b)) return { statusCode: 200 };"),
 ("compare_content_type", [], "if (event.headers['content-type'] === 'application/json') return { statusCode: 200 };"),
 # FG515
 ("hash_md5_password", ["FG515"], "const { password } = JSON.parse(event.body);\nreturn crypto.createHash('md5').update(password).digest('hex');"),
 ("hash_scrypt", [], "const { password } = JSON.parse(event.body);\nreturn crypto.scryptSync(password, crypto.randomBytes(16), 64).toString('hex');"),
 # FG516
 ("secret_logged", ["FG516"], "console.log('db password', process.env.DB_PASSWORD);"),
 ("secret_returned", ["FG516"], "return { statusCode: 200, body: process.env.API_SECRET };"),
 ("secret_used", [], "const r = await axios.get('https://api.example.com', { headers: { 'x-api-key': process.env.API_KEY } });\nreturn { statusCode: 200 };"),
 ("secret_arn_returned", [], "return { statusCode: 200, body: process.env.SECRET_ARN };"),
 # FG901
 ("tmp_write_name", ["FG901"], "fs.writeFileSync('/tmp/' + event.queryStringParameters.name, event.body);"),
 ("tmp_write_template", ["FG901"], "const { name } = JSON.parse(event.body);\nfs.writeFileSync(`/tmp/${name}`, 'x');"),
 ("tmp_uuid", [], "const p = '/tmp/' + crypto.randomUUID();\nfs.writeFileSync(p, event.body);"),
 ("tmp_fixed", [], "fs.writeFileSync('/tmp/cache.json', event.body);"),
]

# Web frameworks behind one handler: routes are entry points with request data as the source.
PY_WEB = [
 ("flask_route_cmd", ["FG501"], "from flask import Flask, request\nimport os, awsgi\napp = Flask(__name__)\n\n@app.route('/run', methods=['POST'])\ndef run():\n    os.system('echo ' + request.args.get('msg'))\n    return 'ok'\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("fastapi_path_param_sql", ["FG504"], "from fastapi import FastAPI\nfrom mangum import Mangum\nimport sqlite3\napp = FastAPI()\nconn = sqlite3.connect(':memory:')\n\n@app.get('/items/{item_id}')\ndef read_item(item_id: str):\n    return conn.execute(f\"SELECT * FROM items WHERE id = '{item_id}'\").fetchall()\n\nhandler = Mangum(app)\n\ndef handler(event, context):\n    return Mangum(app)(event, context)\n"),
 ("flask_route_safe", [], "from flask import Flask, request\nimport subprocess, awsgi\napp = Flask(__name__)\n\n@app.route('/run')\ndef run():\n    subprocess.run(['echo', request.args.get('msg')])\n    return 'ok'\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
]
JS_WEB = [
 ("express_route_exec", ["FG501"], "const express = require('express');\nconst serverless = require('serverless-http');\nconst { exec } = require('child_process');\nconst app = express();\napp.get('/run', (req, res) => {\n  exec('echo ' + req.query.msg);\n  res.send('ok');\n});\nexports.handler = serverless(app);\n"),
 ("express_route_safe", [], "const express = require('express');\nconst serverless = require('serverless-http');\nconst { execFile } = require('child_process');\nconst app = express();\napp.post('/run', (req, res) => {\n  execFile('echo', [req.body.msg]);\n  res.send('ok');\n});\nexports.handler = serverless(app);\n"),
]

# Issue 21: constants, containers, instances, real checks and the new sink classes.
PY += [
 ("fold_if_takes_constant_branch", [], "num = 86\nif 7 * 42 - num > 200:\n    c = 'ls'\nelse:\n    c = event['cmd']\nos.system(c)"),
 ("fold_if_takes_event_branch", ["FG501"], "num = 106\nif 7 * 42 - num > 200:\n    c = 'ls'\nelse:\n    c = event['cmd']\nos.system(c)"),
 ("fold_ternary_constant", [], "num = 106\nc = 'ls' if 7 * 18 + num > 200 else event['cmd']\nos.system(c)"),
 ("fold_ternary_unknown", ["FG501"], "c = 'ls' if event.get('safe') else event['cmd']\nos.system(c)"),
 ("fold_match_constant_subject", [], "guess = 'ABC'[1]\nmatch guess:\n    case 'A':\n        c = event['cmd']\n    case 'B':\n        c = 'ls'\n    case _:\n        c = event['cmd']\nos.system(c)"),
 ("fold_match_event_case", ["FG501"], "guess = 'ABC'[0]\nmatch guess:\n    case 'A':\n        c = event['cmd']\n    case _:\n        c = 'ls'\nos.system(c)"),
 ("list_pop_then_safe_index", [], "lst = []\nlst.append('safe')\nlst.append(event['cmd'])\nlst.append('moresafe')\nlst.pop(0)\nos.system(lst[1])"),
 ("list_pop_then_event_index", ["FG501"], "lst = []\nlst.append('safe')\nlst.append(event['cmd'])\nlst.append('moresafe')\nlst.pop(0)\nos.system(lst[0])"),
 ("dict_constant_key_safe", [], "m = {}\nm['a'] = 'ls'\nm['b'] = event['cmd']\nos.system(m['a'])"),
 ("dict_constant_key_event", ["FG501"], "m = {}\nm['a'] = 'ls'\nm['b'] = event['cmd']\nos.system(m['b'])"),
 ("dict_unknown_key", ["FG501"], "m = {}\nm['a'] = 'ls'\nm[event['k']] = event['cmd']\nos.system(m['a'])"),
 ("configparser_other_option", [], "import configparser\nc = configparser.ConfigParser()\nc.add_section('s')\nc.set('s', 'a', 'ls')\nc.set('s', 'b', event['cmd'])\nos.system(c.get('s', 'a'))"),
 ("configparser_event_option", ["FG501"], "import configparser\nc = configparser.ConfigParser()\nc.add_section('s')\nc.set('s', 'a', 'ls')\nc.set('s', 'b', event['cmd'])\nos.system(c.get('s', 'b'))"),
 ("stringio_written_event", ["FG501"], "import io\nb = io.StringIO()\nb.write('echo ')\nb.write(event['x'])\nos.system(b.getvalue())"),
 ("method_returns_constant", [], "from _helpers_py import Wrapper\nw = Wrapper(event)\nos.system(w.safe())"),
 ("method_returns_event_field", ["FG501"], "from _helpers_py import Wrapper\nw = Wrapper(event)\nos.system(w.field('cmd'))"),
 ("cmd_shell_argv_list", ["FG501"], "argv = []\nargv.append('sh')\nargv.append('-c')\nargv.append('echo ' + event['x'])\nsubprocess.run(argv)"),
 ("cmd_shell_argv_literal", ["FG501"], "subprocess.run(['/bin/bash', '-c', event['x']])"),
 ("cmd_program_argv", [], "subprocess.run(['echo', '-n', event['x']])"),
 ("eval_quoted_literal_checked", [], "x = event['x']\nif not x.startswith(\"'\") or not x.endswith(\"'\") or \"'\" in x[1:-1]:\n    return {'statusCode': 400}\nreturn eval(x)"),
 ("eval_prefix_only_checked", ["FG502"], "x = event['x']\nif not x.startswith(\"'\"):\n    return {'statusCode': 400}\nreturn eval(x)"),
 ("path_dotdot_rejected", [], "n = event['name']\nif '..' in n:\n    return {'statusCode': 400}\nreturn open(BASE + n).read()"),
 ("path_exists_oracle", ["FG506"], "return os.path.exists(BASE + event['name'])"),
 ("ssrf_parsed_host_allow_list", [], "from urllib.parse import urlparse\nu = event['url']\np = urlparse(u)\nif p.netloc not in ('a.example.com',) or p.scheme != 'https':\n    return {'statusCode': 400}\nreturn requests.get(u).text"),
 ("ssrf_parsed_scheme_only", ["FG507"], "from urllib.parse import urlparse\nu = event['url']\np = urlparse(u)\nif p.scheme != 'https':\n    return {'statusCode': 400}\nreturn requests.get(u).text"),
 ("xss_html_proxy_response", ["FG518"], "name = event['queryStringParameters']['name']\nreturn {'statusCode': 200, 'headers': {'Content-Type': 'text/html'}, 'body': f'<p>{name}</p>'}"),
 ("xss_html_escaped", [], "import html\nname = event['queryStringParameters']['name']\nreturn {'statusCode': 200, 'headers': {'Content-Type': 'text/html'}, 'body': f'<p>{html.escape(name)}</p>'}"),
 ("xss_json_response", [], "name = event['queryStringParameters']['name']\nreturn {'statusCode': 200, 'headers': {'Content-Type': 'application/json'}, 'body': json.dumps({'name': name})}"),
 ("ldap_filter_built", ["FG520"], "import ldap3\nc = ldap3.Connection('ldap.example')\nc.search('dc=example', '(uid=' + event['user'] + ')')"),
 ("ldap_filter_escaped", [], "import ldap3\nfrom ldap3.utils.conv import escape_filter_chars\nc = ldap3.Connection('ldap.example')\nc.search('dc=example', '(uid=' + escape_filter_chars(event['user']) + ')')"),
 ("xpath_built", ["FG521"], "tree = etree.parse('/opt/e.xml')\nreturn tree.xpath(\"//e[@id='\" + event['id'] + \"']\")"),
 ("xpath_variable", [], "tree = etree.parse('/opt/e.xml')\nreturn tree.xpath('//e[@id=$id]', id=event['id'])"),
 ("xpath_quote_rejected", [], "i = event['id']\nif \"'\" in i:\n    return {'statusCode': 400}\ntree = etree.parse('/opt/e.xml')\nreturn tree.xpath(\"//e[@id='\" + i + \"']\")"),
 ("session_from_event", ["FG524"], "from flask import session\nsession['uid'] = event['uid']"),
 ("session_server_value", [], "from flask import session\nsession['seen'] = True"),
 ("weak_random_token", ["FG525"], "import random\nreset_token = str(random.randint(0, 10 ** 9))\nreturn {'ok': bool(reset_token)}"),
 ("weak_random_jitter", [], "import random, time\ntime.sleep(random.random())\nreturn {}"),
 ("strong_random_token", [], "import secrets\nreset_token = secrets.token_urlsafe(16)\nreturn {'ok': bool(reset_token)}"),
 ("event_echoed_in_body", ["FG528"], "return {'statusCode': 200, 'body': json.dumps(event)}"),
 ("event_field_in_body", [], "return {'statusCode': 200, 'body': json.dumps({'path': event['rawPath']})}"),
 ("jwt_decoded_by_hand", ["FG510"], "token = event['headers']['authorization'].split(' ')[1]\npayload = token.split('.')[1]\nclaims = json.loads(base64.urlsafe_b64decode(payload + '=='))\nreturn {'user': claims['sub']}"),
 ("invoke_payload_returned", ["FG512"], "lam = boto3.client('lambda')\nresp = lam.invoke(FunctionName='worker', Payload=json.dumps({'x': 1}))\nreturn {'statusCode': 200, 'body': resp['Payload'].read().decode()}"),
 ("invoke_payload_field_returned", [], "lam = boto3.client('lambda')\nresp = lam.invoke(FunctionName='worker', Payload='{}')\nresult = json.loads(resp['Payload'].read())\nreturn {'statusCode': 200, 'body': json.dumps(result['items'])}"),
 ("secret_serialized_to_log", ["FG516"], "s = sm.get_secret_value(SecretId='db')['SecretString']\nprint(json.dumps({'creds': s}))"),
 ("jwt_signed_with_secret_returned", [], "token = jwt.encode({'sub': event['u']}, os.environ['JWT_SECRET'], algorithm='HS256')\nreturn {'statusCode': 200, 'body': json.dumps({'token': token, 'user': event['u']})}"),
 ("invoke_async_no_payload", [], "lam = boto3.client('lambda')\nresp = lam.invoke(FunctionName='worker', InvocationType='Event', Payload='{}')\nreturn {'statusCode': 202, 'body': json.dumps(resp)}"),
 ("nested_field_constant", [], "cfg = {'db': {'cmd': 'ls', 'arg': event['a']}}\nos.system(cfg['db']['cmd'])"),
 ("nested_field_event", ["FG501"], "cfg = {'db': {'cmd': 'ls', 'arg': event['a']}}\nos.system(cfg['db']['arg'])"),
 ("nested_field_after_write", ["FG501"], "cfg = {'db': {'cmd': 'ls'}}\ncfg['db']['cmd'] = event['a']\nos.system(cfg['db']['cmd'])"),
 ("dotted_name_split_not_jwt", [], "ext = event['name'].split('.')[1]\nreturn {'ext': json.loads(ext)}"),
]
JS += [
 ("fold_ternary_constant", [], "const n = 106;\nconst c = 7 * 18 + n > 200 ? 'ls' : event.cmd;\nexec(c);"),
 ("fold_ternary_unknown", ["FG501"], "const c = event.safe ? 'ls' : event.cmd;\nexec(c);"),
 ("array_shift_then_safe_index", [], "const a = ['safe', event.cmd, 'more'];\na.shift();\nexec(a[1]);"),
 ("array_shift_then_event_index", ["FG501"], "const a = ['safe', event.cmd, 'more'];\na.shift();\nexec(a[0]);"),
 ("map_other_key", [], "const m = new Map();\nm.set('a', 'ls');\nm.set('b', event.cmd);\nexec(m.get('a'));"),
 ("map_event_key", ["FG501"], "const m = new Map();\nm.set('a', 'ls');\nm.set('b', event.cmd);\nexec(m.get('b'));"),
 ("spawn_shell_dash_c", ["FG501"], "cp.spawn('sh', ['-c', event.cmd]);"),
 ("spawn_program_args", [], "cp.spawn('ls', ['-la', event.dir]);"),
 ("path_dotdot_rejected", [], "const n = event.name;\nif (n.includes('..')) return { statusCode: 400 };\nreturn fs.readFileSync(path.join('/opt/data', n));"),
 ("xss_html_proxy_response", ["FG518"], "const name = event.queryStringParameters.name;\nreturn { statusCode: 200, headers: { 'Content-Type': 'text/html' }, body: `<p>${name}</p>` };"),
 ("xss_json_response", [], "const name = event.queryStringParameters.name;\nreturn { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) };"),
 ("weak_random_token", ["FG525"], "const sessionToken = Math.random().toString(36).slice(2);\nreturn { ok: sessionToken.length > 0 };"),
 ("strong_random_token", [], "const sessionToken = crypto.randomUUID();\nconst delay = Math.random() * 100;\nreturn { ok: sessionToken.length > 0, delay };"),
 ("event_echoed_in_body", ["FG528"], "return { statusCode: 200, body: JSON.stringify(event) };"),
 ("event_field_in_body", [], "return { statusCode: 200, body: JSON.stringify({ path: event.rawPath }) };"),
 ("jwt_decoded_by_hand", ["FG510"], "const token = event.headers.authorization.replace('Bearer ', '');\nconst claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64').toString());\nreturn { user: claims.sub };"),
 ("invoke_payload_returned", ["FG512"], "const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');\nconst res = await new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'worker' }));\nreturn { statusCode: 200, body: Buffer.from(res.Payload).toString() };"),
 ("ddb_input_assembled", ["FG505"], "const { DynamoDBClient, ScanCommand } = require('@aws-sdk/client-dynamodb');\nconst input = { TableName: 't', FilterExpression: 'owner = ' + event.owner };\nawait new DynamoDBClient({}).send(new ScanCommand(input));"),
 ("ddb_input_assembled_placeholders", [], "const { DynamoDBClient, ScanCommand } = require('@aws-sdk/client-dynamodb');\nconst input = { TableName: 't', FilterExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': { S: event.owner } } };\nawait new DynamoDBClient({}).send(new ScanCommand(input));"),
 ("nested_field_constant", [], "const cfg = { db: { cmd: 'ls', arg: event.a } };\nexec(cfg.db.cmd);"),
 ("nested_field_event", ["FG501"], "const cfg = { db: { cmd: 'ls', arg: event.a } };\nexec(cfg.db.arg);"),
 ("jwt_verified", [], "const claims = jwt.verify(event.headers.authorization, process.env.PUBLIC_KEY);\nreturn { user: claims.sub };"),
]
PY_WEB += [
 ("flask_reflected_page", ["FG518"], "from flask import Flask, request\nimport awsgi\napp = Flask(__name__)\n\n@app.route('/hi')\ndef hi():\n    return f\"<h1>Hi {request.args.get('name')}</h1>\"\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("flask_escaped_page", [], "from flask import Flask, request\nimport markupsafe, awsgi\napp = Flask(__name__)\n\n@app.route('/hi')\ndef hi():\n    return f\"<h1>Hi {markupsafe.escape(request.args.get('name'))}</h1>\"\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("flask_cookie_not_secure", ["FG526"], "from flask import Flask, make_response\nimport secrets, awsgi\napp = Flask(__name__)\n\n@app.route('/login', methods=['POST'])\ndef login():\n    r = make_response('ok')\n    r.set_cookie('session', secrets.token_hex(16))\n    return r\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("flask_cookie_secure", [], "from flask import Flask, make_response\nimport secrets, awsgi\napp = Flask(__name__)\n\n@app.route('/login', methods=['POST'])\ndef login():\n    r = make_response('ok')\n    r.set_cookie('session', secrets.token_hex(16), secure=True, httponly=True)\n    return r\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("flask_static_route_path", [], "from flask import Flask, request\nimport os, awsgi\napp = Flask(__name__)\n\n@app.route('/tools/ls')\ndef ls():\n    part = request.path.split('/')[1]\n    os.system('ls ' + part)\n    return 'ok'\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("flask_param_route_path", ["FG501"], "from flask import Flask, request\nimport os, awsgi\napp = Flask(__name__)\n\n@app.route('/tools/<name>')\ndef tool(name):\n    part = request.path.split('/')[2]\n    os.system('ls ' + part)\n    return 'ok'\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
 ("flask_redirect_host_checked", [], "from flask import Flask, request, redirect\nfrom urllib.parse import urlparse\nimport awsgi\napp = Flask(__name__)\n\n@app.route('/go')\ndef go():\n    u = request.args.get('next', '')\n    if urlparse(u).netloc != 'example.com':\n        return redirect('/')\n    return redirect(u)\n\ndef handler(event, context):\n    return awsgi.response(app, event, context)\n"),
]
JS_WEB += [
 ("express_reflected_send", ["FG518"], "const express = require('express');\nconst serverless = require('serverless-http');\nconst app = express();\napp.get('/hi', (req, res) => {\n  res.send('<h1>Hi ' + req.query.name + '</h1>');\n});\nexports.handler = serverless(app);\n"),
 ("express_client_send_not_page", [], "const express = require('express');\nconst serverless = require('serverless-http');\nconst { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');\nconst sqs = new SQSClient({});\nconst app = express();\napp.post('/q', async (req, res) => {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q, MessageBody: 'x' + req.body.msg }));\n  res.json({ ok: true });\n});\nexports.handler = serverless(app);\n"),
 ("express_cookie_flags", [], "const express = require('express');\nconst serverless = require('serverless-http');\nconst crypto = require('crypto');\nconst app = express();\napp.post('/login', (req, res) => {\n  res.cookie('sid', crypto.randomUUID(), { secure: true, httpOnly: true });\n  res.json({ ok: true });\n});\nexports.handler = serverless(app);\n"),
 ("express_session_from_body", ["FG524"], "const express = require('express');\nconst serverless = require('serverless-http');\nconst app = express();\napp.post('/login', (req, res) => {\n  req.session.userId = req.body.userId;\n  res.json({ ok: true });\n});\nexports.handler = serverless(app);\n"),
]

PY_HELPERS = '''import os

def run_shell(cmd):
    os.system("sh -c '" + cmd + "'")

def run_fixed(_unused):
    os.system("ls /tmp")

def evaluate(expr):
    return eval(expr)

def find_user(conn, name):
    return conn.execute("SELECT * FROM u WHERE name = '" + name + "'")

def find_user_safe(conn, name):
    return conn.execute("SELECT * FROM u WHERE name = ?", (name,))

class Wrapper:
    def __init__(self, event):
        self.event = event

    def safe(self):
        return "ls"

    def field(self, name):
        return self.event[name]
'''

JS_HELPERS = '''const { exec } = require('child_process');
const serialize = require('node-serialize');

exports.runShell = (cmd) => exec('sh -c ' + cmd);
exports.runFixed = () => exec('ls /tmp');
exports.load = (raw) => serialize.unserialize(raw);
exports.findUser = async (db, name) => db.query("SELECT * FROM u WHERE name = '" + name + "'");
'''

# Functions kept in tables and variables, functions passed as arguments, module-level state,
# and fields of nested object literals below the first level.
PY_DISPATCH = "\n\ndef run_cmd(a):\n    os.system(a)\n\ndef say(a):\n    print(a)\n\ndef apply(f, x):\n    return f(x)\n\nHANDLERS = {'run': run_cmd, 'say': say}"
PY += [
 ("dispatch_table_event_key", ["FG501"], "HANDLERS[event['action']](event['arg'])" + PY_DISPATCH),
 ("dispatch_table_constant_key", [], "HANDLERS['say'](event['arg'])" + PY_DISPATCH),
 ("dispatch_table_get", ["FG501"], "fn = HANDLERS.get(event['action'], say)\nfn(event['arg'])" + PY_DISPATCH),
 ("callback_argument_sink", ["FG501"], "apply(run_cmd, event['arg'])" + PY_DISPATCH),
 ("callback_argument_safe", [], "apply(say, event['arg'])" + PY_DISPATCH),
 ("module_global_set_then_used", ["FG501"], "remember(event)\nrun_last()\n\ndef remember(e):\n    global LAST\n    LAST = e['cmd']\n\ndef run_last():\n    os.system(LAST)\n\nLAST = 'ls'"),
 ("module_name_shadowed_by_local", [], "remember(event)\nrun_last()\n\ndef remember(e):\n    LAST = e['cmd']\n    return LAST\n\ndef run_last():\n    os.system(LAST)\n\nLAST = 'ls'"),
 ("module_cache_filled_from_event", ["FG501"], "put(event)\nos.system(CACHE['cmd'])\n\ndef put(e):\n    CACHE['cmd'] = e['cmd']\n\nCACHE = {}"),
 ("module_cache_parameter_shadow", [], "put(event, {})\nos.system(CACHE['cmd'])\n\ndef put(e, CACHE):\n    CACHE['cmd'] = e['cmd']\n\nCACHE = {'cmd': 'ls'}"),
 ("nested_three_levels_constant", [], "a = {'b': {'c': {'d': event['x'], 'e': 'ls'}}}\nos.system(a['b']['c']['e'])"),
 ("nested_three_levels_event", ["FG501"], "a = {'b': {'c': {'d': event['x'], 'e': 'ls'}}}\nos.system(a['b']['c']['d'])"),
 ("nested_write_other_field", [], "cfg = {'db': {}}\ncfg['db']['cmd'] = event['cmd']\ncfg['db']['safe'] = 'ls'\nos.system(cfg['db']['safe'])"),
 ("nested_write_whole_object_read", ["FG501"], "cfg = {'db': {}}\ncfg['db']['cmd'] = event['cmd']\nos.system(' '.join(cfg['db'].values()))"),
]
JS += [
 ("callback_argument_sink", ["FG501"], "const apply = (f, x) => f(x);\napply((c) => exec(c), event.cmd);"),
 ("callback_argument_safe", [], "const apply = (f, x) => f(x);\napply((c) => console.log(c), event.cmd);"),
 ("object_of_callbacks_named", ["FG501"], "const handlers = { run: (x) => exec(x), say: (x) => console.log(x) };\nhandlers.run(event.arg);"),
 ("object_of_callbacks_other", [], "const handlers = { run: (x) => exec(x), say: (x) => console.log(x) };\nhandlers.say(event.arg);"),
 ("object_of_callbacks_event_key", ["FG501"], "const handlers = { run: (x) => exec(x), say: (x) => console.log(x) };\nhandlers[event.action](event.arg);"),
 ("nested_write_other_field", [], "const cfg = { db: {} };\ncfg.db.cmd = event.cmd;\ncfg.db.safe = 'ls';\nexec(cfg.db.safe);"),
 ("nested_write_field", ["FG501"], "const cfg = { db: {} };\ncfg.db.cmd = event.cmd;\ncfg.db.safe = 'ls';\nexec(cfg.db.cmd);"),
]
PY += [
 ("broken_hash_signature", ["FG529"], "signature = hashlib.md5((event['body'] + os.environ['KEY']).encode()).hexdigest()\nreturn {'sig': signature}"),
 ("broken_hash_credentials_file", ["FG529"], "h = hashlib.new('sha1')\nh.update(event['body'].encode())\nwith open('/mnt/users/passwords.db', 'a') as f:\n    f.write(h.hexdigest())"),
 ("broken_hash_etag", [], "etag = hashlib.md5(event['body'].encode()).hexdigest()\nreturn {'headers': {'ETag': etag}}"),
 ("broken_hash_not_for_security", [], "api_token = hashlib.md5(event['body'].encode(), usedforsecurity=False).hexdigest()\nreturn {'n': len(api_token)}"),
 ("strong_hash_credentials_file", [], "h = hashlib.new('sha512')\nh.update(event['body'].encode())\nwith open('/mnt/users/passwords.db', 'a') as f:\n    f.write(h.hexdigest())"),
]
JS += [
 ("broken_hash_session_id", ["FG529"], "const sessionId = crypto.createHash('sha1').update(event.body + Date.now()).digest('hex');\nreturn { n: sessionId.length };"),
 ("broken_hash_content_md5", [], "const contentMd5 = crypto.createHash('md5').update(event.body).digest('base64');\nreturn { headers: { 'Content-MD5': contentMd5 } };"),
]
PY += [
 ("path_resolved_expression_contained", [], "import pathlib\nbase = pathlib.Path(BASE)\np = (base / event['name']).resolve()\nif not str(p).startswith(str(base)):\n    return {'statusCode': 400}\nreturn p.read_text()"),
 ("path_resolved_expression_unchecked", ["FG506"], "import pathlib\nbase = pathlib.Path(BASE)\np = (base / event['name']).resolve()\nreturn p.read_text()"),
]
PY_JOB = "\n\nclass Job:\n    def __init__(self, e):\n        self.cmd = e['cmd']\n        self.name = 'ls'\n\n    def run_name(self):\n        os.system(self.name)\n\n    def run_cmd(self):\n        os.system(self.cmd)\n\nclass Eager:\n    def __init__(self, e):\n        os.system(e['cmd'])"
PY += [
 ("instance_constant_field_in_method", [], "Job(event).run_name()\nj = Job(event)\nj.run_name()" + PY_JOB),
 ("instance_event_field_in_method", ["FG501"], "j = Job(event)\nj.run_cmd()" + PY_JOB),
 ("constructor_reaches_sink", ["FG501"], "Eager(event)" + PY_JOB),
 ("loaded_object_other_field", [], "item = table.get_item(Key={'id': '1'})['Item']\nitem['status'] = event['status']\nos.system(item['cmd'])"),
 ("loaded_object_field_set_from_event", ["FG501"], "item = table.get_item(Key={'id': '1'})['Item']\nitem['status'] = event['status']\nos.system(item['status'])"),
 ("loaded_object_serialised_whole", ["FG501"], "item = table.get_item(Key={'id': '1'})['Item']\nitem['status'] = event['status']\nos.system(json.dumps(item))"),
]
PY_RUNNER = "\n\ndef shell(c):\n    os.system(c)\n\ndef show(c):\n    print(c)\n\nclass Runner:\n    def __init__(self, fn):\n        self.fn = fn\n\n    def go(self, x):\n        return self.fn(x)"
PY += [
 ("instance_callback_field_sink", ["FG501"], "r = Runner(shell)\nr.go(event['cmd'])" + PY_RUNNER),
 ("instance_callback_field_safe", [], "r = Runner(show)\nr.go(event['cmd'])" + PY_RUNNER),
]
JS += [
 ("promise_executor_resolves_event", ["FG501"], "const c = await new Promise((resolve) => { setTimeout(() => resolve(event.cmd), 1); });\nexec(c);"),
 ("promise_executor_resolves_constant", [], "const c = await new Promise((resolve) => resolve('ls'));\nexec(c);"),
]
JS_MODULE = "const { exec } = require('child_process');\n"
JS_CLASS = JS_MODULE + "class Job {\n  constructor(e) { this.cmd = e.cmd; this.name = 'ls'; }\n  runName() { exec(this.name); }\n  runCmd() { exec(this.cmd); }\n}\n"
JS_WEB += [
 ("instance_constant_field_in_method", [], JS_CLASS + "exports.handler = async (event) => {\n  const j = new Job(event);\n  j.runName();\n};\n"),
 ("instance_event_field_in_method", ["FG501"], JS_CLASS + "exports.handler = async (event) => {\n  const j = new Job(event);\n  j.runCmd();\n};\n"),
]
JS_SVC = JS_MODULE + "class Svc {\n  constructor(cb) { this.cb = cb; }\n  go(x) { return this.cb(x); }\n}\n"
JS_WEB += [
 ("instance_callback_field_sink", ["FG501"], JS_SVC + "exports.handler = async (event) => {\n  const s = new Svc((c) => exec(c));\n  s.go(event.cmd);\n};\n"),
 ("instance_callback_field_safe", [], JS_SVC + "exports.handler = async (event) => {\n  const s = new Svc((c) => console.log(c));\n  s.go(event.cmd);\n};\n"),
]
JS_WEB += [
 ("module_let_set_then_used", ["FG501"], JS_MODULE + "let last = 'ls';\nfunction remember(e) { last = e.cmd; }\nfunction runLast() { exec(last); }\nexports.handler = async (event) => {\n  remember(event);\n  runLast();\n};\n"),
 ("module_let_shadowed", [], JS_MODULE + "let last = 'ls';\nfunction remember(e) { let last = e.cmd; return last; }\nfunction runLast() { exec(last); }\nexports.handler = async (event) => {\n  remember(event);\n  runLast();\n};\n"),
 ("module_table_of_functions", ["FG501"], JS_MODULE + "function run(x) { exec(x); }\nfunction say(x) { console.log(x); }\nconst ROUTES = { 'POST /run': run, 'GET /say': say };\nexports.handler = async (event) => {\n  const fn = ROUTES[event.routeKey];\n  return fn(event.body);\n};\n"),
 ("module_table_constant_route", [], JS_MODULE + "function run(x) { exec(x); }\nfunction say(x) { console.log(x); }\nconst ROUTES = { 'POST /run': run, 'GET /say': say };\nexports.handler = async (event) => {\n  return ROUTES['GET /say'](event.body);\n};\n"),
]

def write(lang, cases, head, helpers, ext, wrap):
    d = os.path.join(ROOT, lang)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "_helpers_" + ("py" if ext == "py" else "js") + "." + ext), "w").write(helpers)
    for name, expect, body in cases:
        label = ", ".join(expect) if expect else "none"
        comment = "#" if ext == "py" else "//"
        text = f"{comment} expect: {label}\n" + head + wrap(body)
        open(os.path.join(d, f"{name}.{ext}"), "w").write(text)

def py_wrap(body):
    lines = body.split("\n")
    # Helper definitions after the handler body stay at module level.
    out, nested = [], []
    in_def = False
    for l in lines:
        if l.startswith("def "):
            in_def = True
        (nested if in_def else out).append(l)
    text = "\ndef handler(event, context):\n" + textwrap.indent("\n".join(out), "    ") + "\n"
    if nested:
        text += "\n" + "\n".join(nested) + "\n"
    return text

def js_wrap(body):
    return "\nexports.handler = async (event, context) => {\n" + textwrap.indent(body, "  ") + "\n};\n"

write("python", PY, PY_HEAD, PY_HELPERS, "py", py_wrap)
write("javascript", JS, JS_HEAD, JS_HELPERS, "js", js_wrap)
for lang, cases, ext, comment in (("python", PY_WEB, "py", "#"), ("javascript", JS_WEB, "js", "//")):
    for name, expect, text in cases:
        label = ", ".join(expect) if expect else "none"
        open(os.path.join(ROOT, lang, f"{name}.{ext}"), "w").write(f"{comment} expect: {label}\n" + text)
print(len(PY) + len(PY_WEB), "python and", len(JS) + len(JS_WEB), "javascript cases")
