// expect: FG501
package main

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(event events.APIGatewayV2HTTPRequest) (string, error) {
	return run(event.PathParameters["tool"]), nil
}

func main() {
	lambda.Start(handler)
}
