// expect: none
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

var sm *secretsmanager.Client

func handler(ctx context.Context, event map[string]string) error {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(os.Getenv("SECRET_ID"))})
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.com/v1/items", nil)
	req.Header.Set("Authorization", "Bearer "+*out.SecretString)
	log.Println("calling the items API")
	_, err = http.DefaultClient.Do(req)
	return err
}

func main() {
	lambda.Start(handler)
}
