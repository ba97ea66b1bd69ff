# Backend settings shared by every test (docs/terraform.md shows the same).
bucket                      = "tfstate"
key                         = "env/terraform.tfstate"
use_path_style              = true
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true
