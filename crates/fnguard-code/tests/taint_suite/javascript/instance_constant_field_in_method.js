// expect: none
const { exec } = require('child_process');
class Job {
  constructor(e) { this.cmd = e.cmd; this.name = 'ls'; }
  runName() { exec(this.name); }
  runCmd() { exec(this.cmd); }
}
exports.handler = async (event) => {
  const j = new Job(event);
  j.runName();
};
