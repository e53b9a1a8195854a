// expect: FG518
const express = require('express');
const serverless = require('serverless-http');
const app = express();
app.get('/hi', (req, res) => {
  res.send('<h1>Hi ' + req.query.name + '</h1>');
});
exports.handler = serverless(app);
