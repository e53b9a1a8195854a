// expect: FG501
const { exec } = require('child_process');
function run(x) { exec(x); }
function say(x) { console.log(x); }
const ROUTES = { 'POST /run': run, 'GET /say': say };
exports.handler = async (event) => {
  const fn = ROUTES[event.routeKey];
  return fn(event.body);
};
