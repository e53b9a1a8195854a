// expect: none
const { exec } = require('child_process');
class Svc {
  constructor(cb) { this.cb = cb; }
  go(x) { return this.cb(x); }
}
exports.handler = async (event) => {
  const s = new Svc((c) => console.log(c));
  s.go(event.cmd);
};
