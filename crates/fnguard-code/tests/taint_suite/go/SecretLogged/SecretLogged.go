// expect: FG516
package main

import (
	"context"
	"log"
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
	log.Println("using key", *out.SecretString)
	return nil
}

func main() {
	lambda.Start(handler)
}
