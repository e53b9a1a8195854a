exports.send = async (event) => {
  for (const record of event.Records) {
    console.log("order event", record.Sns.MessageId);
  }
};
