# The orders API.
variable "api_token" {
  type    = string
  default = "tok-9f8e7d6c5b4a3f2e1d0c"
}

variable "db_password" {
  type = string # set by the pipeline
}

resource "aws_iam_role" "api" {
  name = "orders-api"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_lambda_function" "api" {
  function_name = "orders-api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.8"
  handler       = "app.handler"
  filename      = "build/api.zip"

  environment {
    variables = {
      DB_PASSWORD = var.db_password
      API_TOKEN   = var.api_token
    }
  }
}

resource "aws_lambda_function_url" "api" {
  function_name      = aws_lambda_function.api.function_name
  authorization_type = "NONE" # public for now
}
