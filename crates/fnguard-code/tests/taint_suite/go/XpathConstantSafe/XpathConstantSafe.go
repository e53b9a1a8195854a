// expect: none
package main

import (
	"strings"

	"github.com/antchfx/xmlquery"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const users = "<users><user name='admin'/></users>"

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	doc, _ := xmlquery.Parse(strings.NewReader(event.Body))
	nodes := xmlquery.Find(doc, "//user[@name='admin']")
	return events.APIGatewayProxyResponse{StatusCode: 200 + len(nodes)}, nil
}

func main() {
	lambda.Start(handler)
}
