// expect: none
const express = require('express');
const serverless = require('serverless-http');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
const app = express();
app.post('/q', async (req, res) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q, MessageBody: 'x' + req.body.msg }));
  res.json({ ok: true });
});
exports.handler = serverless(app);
