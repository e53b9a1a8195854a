const AWS = require("aws-sdk");
const ddb = new AWS.DynamoDB.DocumentClient();

exports.export = async () => {
  const rows = await ddb.scan({ TableName: process.env.ORDERS_TABLE }).promise();
  return { statusCode: 200, body: JSON.stringify(rows.Items) };
};
