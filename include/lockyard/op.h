/*
 * op.h - what the request pipeline knows of an operation: its AWS name and its flags, read
 * from the service's own table (the S3 route table in mock/s3/s3_route.c, the DynamoDB
 * operation table in mock/ddb/ddb.c). Fault rules, the journal, holds and stale reads all
 * classify a request through these flags and nothing else.
 */
#ifndef LOCKYARD_OP_H
#define LOCKYARD_OP_H

enum ly_op_flag {
    LY_OP_WRITE = 1u << 0,       /* changes stored state: the journal marks a 2xx `applied`,
                                    holds waiting `until` a matching commit are released by it,
                                    stale-read snapshots are refreshed after it */
    LY_OP_CONDITIONAL = 1u << 1, /* takes preconditions (If-*, x-amz-copy-source-if-*, a
                                    ConditionExpression): the `conditional` fault matcher */
    LY_OP_READ = 1u << 2,        /* a read that a stale_read rule may serve from an old
                                    snapshot */
};

struct ly_op {
    const char *name; /* as AWS names it ("PutObject", "GetItem") */
    unsigned flags;   /* enum ly_op_flag */
};

#endif
