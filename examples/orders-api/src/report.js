exports.run = async () => ({ generated: new Date().toISOString() });
