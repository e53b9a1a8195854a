// expect: none
const { exec } = require('child_process');
function run(x) { exec(x); }
function say(x) { console.log(x); }
const ROUTES = { 'POST /run': run, 'GET /say': say };
exports.handler = async (event) => {
  return ROUTES['GET /say'](event.body);
};
