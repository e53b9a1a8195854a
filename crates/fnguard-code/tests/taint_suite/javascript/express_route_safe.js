// expect: none
const express = require('express');
const serverless = require('serverless-http');
const { execFile } = require('child_process');
const app = express();
app.post('/run', (req, res) => {
  execFile('echo', [req.body.msg]);
  res.send('ok');
});
exports.handler = serverless(app);
