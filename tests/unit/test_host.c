/* Host helpers: size and duration parsing, boot marks JSON, guest address checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "host_util.h"
#include "marks.h"
#include "vmm.h"

static void test_parse_size(void **state)
{
        (void)state;
        uint64_t v;
        assert_int_equal(host_parse_size("8M", &v), 0);
        assert_int_equal(v, 8u << 20);
        assert_int_equal(host_parse_size("512k", &v), 0);
        assert_int_equal(v, 512u << 10);
        assert_int_equal(host_parse_size("1GiB", &v), 0);
        assert_int_equal(v, 1u << 30);
        assert_int_equal(host_parse_size("4096", &v), 0);
        assert_int_equal(v, 4096);
        const char *bad[] = {"",   "M", "-1", "8X", "8MM", "99999999999999999999", "17179869184G",
                             " 8M"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(host_parse_size(bad[i], &v), -1);
        assert_int_equal(host_parse_seconds("0.5", &v), 0);
        assert_int_equal(v, 500000000);
        assert_int_equal(host_parse_seconds("0", &v), -1);
        assert_int_equal(host_parse_seconds("soon", &v), -1);
        assert_int_equal(host_parse_seconds("-3", &v), -1);
}

static void test_marks_json(void **state)
{
        (void)state;
        static struct marks mk = {.platform = "kvm"};
        marks_add(&mk, "tender_exec", 1000);
        marks_add(&mk, "bad\"name\\with\nstuff", 3500);
        for (int i = 0; i < MARKS_MAX; i++)
                marks_add(&mk, "x", 4000);
        assert_int_equal(mk.n, MARKS_MAX);
        assert_int_equal(mk.dropped, 2);
        char path[] = "/tmp/moat-marks-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(marks_write_json(&mk, fd), 0);
        char buf[8192] = {0};
        assert_true(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
        close(fd);
        unlink(path);
        assert_non_null(strstr(buf, "\"platform\": \"kvm\""));
        assert_non_null(strstr(buf, "\"dropped\": 2"));
        /* A guest-supplied name cannot break out of its JSON string. */
        assert_non_null(strstr(buf, "\"name\": \"bad_name_with_stuff\""));
        assert_non_null(strstr(buf, "\"rel_us\": 2.500"));
}

static void test_gpa(void **state)
{
        (void)state;
        static uint8_t mem[4 << 20];
        struct vmm vm = {.mem = mem, .mem_size = sizeof(mem)};
        uint64_t top = sizeof(mem);
        assert_ptr_equal(vmm_gpa(&vm, MOAT_GUEST_MIN_ADDR, 16), mem + MOAT_GUEST_MIN_ADDR);
        assert_ptr_equal(vmm_gpa(&vm, top - 16, 16), mem + top - 16);
        assert_ptr_equal(vmm_gpa(&vm, top, 0), mem + top);
        assert_null(vmm_gpa(&vm, top - 15, 16));
        assert_null(vmm_gpa(&vm, top + 1, 0));
        assert_null(vmm_gpa(&vm, 0, 16));
        assert_null(vmm_gpa(&vm, MOAT_GUEST_BOOT_INFO, 8));
        assert_null(vmm_gpa(&vm, MOAT_GUEST_MIN_ADDR, UINT64_MAX));
        assert_null(vmm_gpa(&vm, UINT64_MAX - 8, 16));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_size),
            cmocka_unit_test(test_marks_json),
            cmocka_unit_test(test_gpa),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
