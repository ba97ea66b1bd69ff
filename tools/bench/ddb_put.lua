-- DynamoDB PutItem with ConditionExpression attribute_not_exists(LockID) on fresh keys.
local n = 0
local pad = string.rep("x", 900)
request = function()
  n = n + 1
  local body = '{"TableName":"bench","Item":{"LockID":{"S":"lock-' .. n ..
    '"},"Info":{"S":"' .. pad .. '"}},"ConditionExpression":"attribute_not_exists(LockID)"}'
  return wrk.format("POST", "/", {["X-Amz-Target"] = "DynamoDB_20120810.PutItem",
    ["Content-Type"] = "application/x-amz-json-1.0"}, body)
end
