// expect: FG501
const express = require('express');
const serverless = require('serverless-http');
const { exec } = require('child_process');
const app = express();
app.get('/run', (req, res) => {
  exec('echo ' + req.query.msg);
  res.send('ok');
});
exports.handler = serverless(app);
