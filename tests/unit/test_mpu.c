/* test_mpu.c - version/upload ids, the multipart ETag, part-list checks, part numbers and
 * copy ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/err.h"
#include "lockyard/mpu.h"

static void test_version_ids(void **state)
{
    (void)state;
    char id[S3_VERSION_ID_LEN + 1], id2[S3_VERSION_ID_LEN + 1];
    uint64_t seq;
    s3_version_id_format(42, id);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"),
                     32);
    assert_int_equal(s3_version_id_parse(id, &seq), 0);
    assert_int_equal(seq, 42);
    s3_version_id_format(43, id2);
    assert_string_not_equal(id, id2);
    assert_int_equal(s3_version_id_parse("null", &seq), 0);
    assert_int_equal(seq, 0);
    id[20] = id[20] == 'A' ? 'B' : 'A'; /* a typo must not name another version */
    assert_int_equal(s3_version_id_parse(id, &seq), LY_EINVAL);
    assert_int_equal(s3_version_id_parse("", &seq), LY_EINVAL);
    assert_int_equal(s3_version_id_parse("abc", &seq), LY_EINVAL);
    char up[S3_UPLOAD_ID_LEN + 1];
    s3_upload_id_format(UINT64_MAX, up);
    assert_int_equal(strlen(up), 64);
    assert_int_equal(s3_upload_id_parse(up, &seq), 0);
    assert_true(seq == UINT64_MAX);
    assert_int_equal(s3_version_id_parse(up, &seq), LY_EINVAL);
}

static void test_multipart_etag(void **state)
{
    (void)state;
    char out[S3MPU_ETAG_SIZE];
    /* MD5("aaaaa"), MD5("bb"): values checked against Python's hashlib */
    const char *two[] = {"\"594f803b380a41396ed63dca39503542\"",
                         "21ad0bd836b90d08f4cf640b4c298e7c"};
    assert_int_equal(s3mpu_etag(two, 2, out), 0);
    assert_string_equal(out, "8dbf788f7e7990bcc6ece1ee361a9473-2");
    assert_int_equal(s3mpu_etag(two, 1, out), 0);
    assert_string_equal(out, "3f39a134e77e08c106b9726a8ae7cc0c-1");
    const char *bad[] = {"xyz"};
    assert_int_equal(s3mpu_etag(bad, 1, out), LY_EINVAL);
    assert_int_equal(s3mpu_etag(two, 0, out), LY_EINVAL);
}

static void test_check(void **state)
{
    (void)state;
    long bad;
    struct s3mpu_listed l[3] = {{1, "\"aa\""}, {2, "bb"}, {3, "cc"}};
    struct s3mpu_stored s[3] = {{"aa", 10}, {"bb", 10}, {"cc", 1}};
    assert_int_equal(s3mpu_check(l, s, 3, 10, &bad), S3MPU_OK);
    assert_int_equal(bad, -1);
    s[1].size = 9; /* a small middle part */
    assert_int_equal(s3mpu_check(l, s, 3, 10, &bad), S3MPU_ENTITY_TOO_SMALL);
    assert_int_equal(bad, 1);
    s[2].etag = NULL; /* missing part wins over the size */
    assert_int_equal(s3mpu_check(l, s, 3, 10, &bad), S3MPU_INVALID_PART);
    assert_int_equal(bad, 2);
    l[2].number = 2; /* order wins over everything */
    assert_int_equal(s3mpu_check(l, s, 3, 10, &bad), S3MPU_INVALID_PART_ORDER);
    assert_int_equal(bad, 2);
    l[2].number = 3;
    s[2].etag = "cc";
    l[0].etag = "zz";
    assert_int_equal(s3mpu_check(l, s, 3, 1, &bad), S3MPU_INVALID_PART);
    assert_int_equal(bad, 0);
}

static void test_parse(void **state)
{
    (void)state;
    long n;
    uint64_t a, b;
    assert_int_equal(s3mpu_part_number_parse("1", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s3mpu_part_number_parse("10000", &n), 0);
    assert_int_equal(s3mpu_part_number_parse("10001", &n), LY_EINVAL);
    assert_int_equal(s3mpu_part_number_parse("0", &n), LY_EINVAL);
    assert_int_equal(s3mpu_part_number_parse("-1", &n), LY_EINVAL);
    assert_int_equal(s3mpu_part_number_parse("", &n), LY_EINVAL);
    assert_int_equal(s3mpu_copy_range_parse("bytes=2-4", 10, &a, &b), 0);
    assert_true(a == 2 && b == 4);
    assert_int_equal(s3mpu_copy_range_parse("bytes=5-10", 10, &a, &b), LY_ERANGE);
    assert_int_equal(s3mpu_copy_range_parse("bytes=4-2", 10, &a, &b), LY_EINVAL);
    assert_int_equal(s3mpu_copy_range_parse("bytes=-2", 10, &a, &b), LY_EINVAL);
    assert_int_equal(s3mpu_copy_range_parse("0-2", 10, &a, &b), LY_EINVAL);
    assert_int_equal(s3mpu_copy_range_parse("bytes=99999999999999999999-1", 10, &a, &b), LY_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_ids),
        cmocka_unit_test(test_multipart_etag),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests_name("s3mpu", tests, NULL, NULL);
}
