// expect: FG501
const cp = require('child_process');
const { exec } = require('child_process');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const axios = require('axios');
const jwt = require('jsonwebtoken');
const crypto = require('crypto');
const serialize = require('node-serialize');
const libxmljs = require('libxmljs');
const { MongoClient } = require('mongodb');
const mysql = require('mysql2/promise');
const db = mysql.createPool({});
const users = new MongoClient('mongodb://localhost').db('a').collection('users');
const ALLOWED = ['ls', 'pwd'];

exports.handler = async (event, context) => {
  const c = await new Promise((resolve) => { setTimeout(() => resolve(event.cmd), 1); });
  exec(c);
};
