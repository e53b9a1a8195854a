data "aws_iam_policy_document" "x" {
  source_policy_documents = [data.aws_iam_policy_document.x.json]
}
locals {
  a = local.b
  b = [local.c, local.c]
  c = local.a
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.x.json
  name = local.a
}
