def list_products(event, context):
    return {"statusCode": 200, "body": "[]"}


def webhook(event, context):
    return {"statusCode": 204}
