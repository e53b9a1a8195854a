// expect: none
const express = require('express');
const serverless = require('serverless-http');
const crypto = require('crypto');
const app = express();
app.post('/login', (req, res) => {
  res.cookie('sid', crypto.randomUUID(), { secure: true, httpOnly: true });
  res.json({ ok: true });
});
exports.handler = serverless(app);
