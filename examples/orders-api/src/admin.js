const AWS = require("aws-sdk");
const { execSync } = require("child_process");
const ddb = new AWS.DynamoDB.DocumentClient();

// Exports every order as a compressed file named by the caller.
exports.export = async (event) => {
  const rows = await ddb.scan({ TableName: process.env.ORDERS_TABLE }).promise();
  const name = event.queryStringParameters.name;
  require("fs").writeFileSync("/tmp/orders.json", JSON.stringify(rows.Items));
  execSync(`gzip -c /tmp/orders.json > /tmp/${name}.gz`);
  return { statusCode: 200, body: `/tmp/${name}.gz` };
};
