-- DynamoDB PutItem with ConditionExpression attribute_not_exists(LockID) on fresh keys.
local n = 0
local pad = string.rep("x", 900)
-- DDB_AUTH=1: an Authorization header with a date, as dynalite requires (it checks no signature)
local headers = {["X-Amz-Target"] = "DynamoDB_20120810.PutItem",
  ["Content-Type"] = "application/x-amz-json-1.0"}
if os.getenv("DDB_AUTH") then
  headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/" ..
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=0"
  headers["X-Amz-Date"] = "20260101T000000Z"
end
request = function()
  n = n + 1
  local body = '{"TableName":"bench","Item":{"LockID":{"S":"lock-' .. n ..
    '"},"Info":{"S":"' .. pad .. '"}},"ConditionExpression":"attribute_not_exists(LockID)"}'
  return wrk.format("POST", "/", headers, body)
end
