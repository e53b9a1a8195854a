const { exec } = require('child_process');
const serialize = require('node-serialize');

exports.runShell = (cmd) => exec('sh -c ' + cmd);
exports.runFixed = () => exec('ls /tmp');
exports.load = (raw) => serialize.unserialize(raw);
exports.findUser = async (db, name) => db.query("SELECT * FROM u WHERE name = '" + name + "'");
