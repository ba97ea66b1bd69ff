# The configuration tests/clients/terraform/terraform.sh applies against lockyard: only the
# built-in terraform_data resource (no provider download). The backend settings come from
# -backend-config flags and from `eval "$(lockyard env)"` (AWS_ENDPOINT_URL_S3 and
# AWS_ENDPOINT_URL_DYNAMODB, keys, region, AWS_CA_BUNDLE).
terraform {
  backend "s3" {}
}

variable "message" {
  type    = string
  default = "hello"
}

resource "terraform_data" "note" {
  input = var.message
}

output "message" {
  value = terraform_data.note.output
}
