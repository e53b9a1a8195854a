// expect: FG524
const express = require('express');
const serverless = require('serverless-http');
const app = express();
app.post('/login', (req, res) => {
  req.session.userId = req.body.userId;
  res.json({ ok: true });
});
exports.handler = serverless(app);
