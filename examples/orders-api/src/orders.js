exports.create = async (event) => ({ statusCode: 201, body: event.body });
exports.get = async (event) => ({ statusCode: 200, body: JSON.stringify({ id: event.pathParameters.id }) });
