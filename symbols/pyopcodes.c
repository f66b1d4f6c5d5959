/* Opcode numbers of the CALL family per CPython version (see pyopcodes.h).
 * Each table lists the opcodes whose kind is not PYOP_OTHER, by the name the
 * version itself gives them (Lib/opcode.py up to 3.10, dis._all_opmap in
 * 3.11-3.12, Lib/_opcode_metadata.py from 3.13); pyopcodes_kind_of_name
 * turns names into kinds, so a table is only numbers the interpreter
 * publishes. tests/unit/symbols/test_pyopcodes.c checks every table against
 * the interpreters on the machine. */
#include "symbols/pyopcodes.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

struct named_op {
    const char *name;
    uint8_t number;
};

/* 3.8-3.10: nothing is rewritten at run time; 3.8's CALL_FINALLY is no call. */
static const struct named_op ops_38_310[] = {
    {"CALL_FUNCTION", 131}, {"CALL_FUNCTION_KW", 141}, {"CALL_FUNCTION_EX", 142},
    {"CALL_METHOD", 161},   {"EXTENDED_ARG", 144},     {NULL, 0},
};

/* 3.11: a specialized PRECALL_* runs a C callable itself and skips CALL. */
static const struct named_op ops_311[] = {
    {"CACHE", 0},
    {"CALL_ADAPTIVE", 22},
    {"CALL_PY_EXACT_ARGS", 23},
    {"CALL_PY_WITH_DEFAULTS", 24},
    {"PRECALL_ADAPTIVE", 64},
    {"PRECALL_BOUND_METHOD", 65},
    {"PRECALL_BUILTIN_CLASS", 66},
    {"PRECALL_BUILTIN_FAST_WITH_KEYWORDS", 67},
    {"PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", 72},
    {"PRECALL_NO_KW_BUILTIN_FAST", 73},
    {"PRECALL_NO_KW_BUILTIN_O", 76},
    {"PRECALL_NO_KW_ISINSTANCE", 77},
    {"PRECALL_NO_KW_LEN", 78},
    {"PRECALL_NO_KW_LIST_APPEND", 79},
    {"PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST", 80},
    {"PRECALL_NO_KW_METHOD_DESCRIPTOR_NOARGS", 81},
    {"PRECALL_NO_KW_METHOD_DESCRIPTOR_O", 113},
    {"PRECALL_NO_KW_STR_1", 121},
    {"PRECALL_NO_KW_TUPLE_1", 127},
    {"PRECALL_NO_KW_TYPE_1", 141},
    {"CALL_FUNCTION_EX", 142},
    {"PRECALL_PYFUNC", 143},
    {"EXTENDED_ARG", 144},
    {"PRECALL", 166},
    {"CALL", 171},
    {NULL, 0},
};

static const struct named_op ops_312[] = {
    {"CACHE", 0},
    {"CALL_PY_EXACT_ARGS", 23},
    {"CALL_PY_WITH_DEFAULTS", 24},
    {"CALL_BOUND_METHOD_EXACT_ARGS", 28},
    {"CALL_BUILTIN_CLASS", 29},
    {"CALL_BUILTIN_FAST_WITH_KEYWORDS", 34},
    {"CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", 38},
    {"CALL_NO_KW_BUILTIN_FAST", 39},
    {"CALL_NO_KW_BUILTIN_O", 40},
    {"CALL_NO_KW_ISINSTANCE", 41},
    {"CALL_NO_KW_LEN", 42},
    {"CALL_NO_KW_LIST_APPEND", 43},
    {"CALL_NO_KW_METHOD_DESCRIPTOR_FAST", 44},
    {"CALL_NO_KW_METHOD_DESCRIPTOR_NOARGS", 45},
    {"CALL_NO_KW_METHOD_DESCRIPTOR_O", 46},
    {"CALL_NO_KW_STR_1", 47},
    {"CALL_NO_KW_TUPLE_1", 48},
    {"CALL_NO_KW_TYPE_1", 56},
    {"CALL_FUNCTION_EX", 142},
    {"EXTENDED_ARG", 144},
    {"CALL", 171},
    {"INSTRUMENTED_CALL", 241},
    {"INSTRUMENTED_CALL_FUNCTION_EX", 244},
    {"INSTRUMENTED_INSTRUCTION", 253},
    {"INSTRUMENTED_LINE", 254},
    {NULL, 0},
};

static const struct named_op ops_313[] = {
    {"CACHE", 0},
    {"CALL", 53},
    {"CALL_FUNCTION_EX", 54},
    {"CALL_KW", 57},
    {"EXTENDED_ARG", 71},
    {"CALL_ALLOC_AND_ENTER_INIT", 162},
    {"CALL_BOUND_METHOD_EXACT_ARGS", 163},
    {"CALL_BOUND_METHOD_GENERAL", 164},
    {"CALL_BUILTIN_CLASS", 165},
    {"CALL_BUILTIN_FAST", 166},
    {"CALL_BUILTIN_FAST_WITH_KEYWORDS", 167},
    {"CALL_BUILTIN_O", 168},
    {"CALL_ISINSTANCE", 169},
    {"CALL_LEN", 170},
    {"CALL_LIST_APPEND", 171},
    {"CALL_METHOD_DESCRIPTOR_FAST", 172},
    {"CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", 173},
    {"CALL_METHOD_DESCRIPTOR_NOARGS", 174},
    {"CALL_METHOD_DESCRIPTOR_O", 175},
    {"CALL_NON_PY_GENERAL", 176},
    {"CALL_PY_EXACT_ARGS", 177},
    {"CALL_PY_GENERAL", 178},
    {"CALL_STR_1", 179},
    {"CALL_TUPLE_1", 180},
    {"CALL_TYPE_1", 181},
    {"INSTRUMENTED_CALL", 244},
    {"INSTRUMENTED_CALL_KW", 245},
    {"INSTRUMENTED_CALL_FUNCTION_EX", 246},
    {"INSTRUMENTED_INSTRUCTION", 247},
    {"INSTRUMENTED_LINE", 254},
    {NULL, 0},
};

/* 3.14.10 (3.14.0 expected equal): CALL_FUNCTION_EX lost its argument. */
static const struct named_op ops_314[] = {
    {"CACHE", 0},
    {"CALL_FUNCTION_EX", 4},
    {"CALL", 52},
    {"CALL_KW", 55},
    {"EXTENDED_ARG", 69},
    {"CALL_ALLOC_AND_ENTER_INIT", 143},
    {"CALL_BOUND_METHOD_EXACT_ARGS", 144},
    {"CALL_BOUND_METHOD_GENERAL", 145},
    {"CALL_BUILTIN_CLASS", 146},
    {"CALL_BUILTIN_FAST", 147},
    {"CALL_BUILTIN_FAST_WITH_KEYWORDS", 148},
    {"CALL_BUILTIN_O", 149},
    {"CALL_ISINSTANCE", 150},
    {"CALL_KW_BOUND_METHOD", 151},
    {"CALL_KW_NON_PY", 152},
    {"CALL_KW_PY", 153},
    {"CALL_LEN", 154},
    {"CALL_LIST_APPEND", 155},
    {"CALL_METHOD_DESCRIPTOR_FAST", 156},
    {"CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", 157},
    {"CALL_METHOD_DESCRIPTOR_NOARGS", 158},
    {"CALL_METHOD_DESCRIPTOR_O", 159},
    {"CALL_NON_PY_GENERAL", 160},
    {"CALL_PY_EXACT_ARGS", 161},
    {"CALL_PY_GENERAL", 162},
    {"CALL_STR_1", 163},
    {"CALL_TUPLE_1", 164},
    {"CALL_TYPE_1", 165},
    {"INSTRUMENTED_INSTRUCTION", 238},
    {"INSTRUMENTED_CALL", 250},
    {"INSTRUMENTED_CALL_KW", 251},
    {"INSTRUMENTED_CALL_FUNCTION_EX", 252},
    {"INSTRUMENTED_LINE", 254},
    {NULL, 0},
};

/* Whether `word` is one of the underscore-separated parts of name. */
static int has_part(const char *name, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = name; (p = strstr(p, word)) != NULL; p += len)
        if ((p == name || p[-1] == '_') && (p[len] == '\0' || p[len] == '_'))
            return 1;
    return 0;
}

enum pyop_kind pyopcodes_kind_of_name(const char *name)
{
    if (strcmp(name, "EXTENDED_ARG") == 0)
        return PYOP_EXTENDED_ARG;
    if (strcmp(name, "CACHE") == 0 || strcmp(name, "INSTRUMENTED_LINE") == 0 ||
        strcmp(name, "INSTRUMENTED_INSTRUCTION") == 0)
        return PYOP_UNKNOWN;
    const char *base = strncmp(name, "INSTRUMENTED_", 13) == 0 ? name + 13 : name;
    if (strncmp(base, "CALL", 4) != 0 && strncmp(base, "PRECALL", 7) != 0)
        return PYOP_OTHER; /* BUILD_MAP_UNPACK_WITH_CALL builds arguments */
    /* Interpreter helpers (3.12+) and 3.8's jump into a finally block, not
     * calls of user callables. */
    if (has_part(name, "INTRINSIC") || strcmp(base, "CALL_FINALLY") == 0)
        return PYOP_OTHER;
    /* Forms aimed at Python callees push a frame of their own. */
    if (!has_part(name, "NON") &&
        (has_part(name, "PY") || has_part(name, "PYFUNC") || strstr(name, "BOUND_METHOD") ||
         strstr(name, "ALLOC_AND_ENTER_INIT")))
        return PYOP_CALL_PY;
    return PYOP_CALL;
}

/* The table of a final release: opcode numbers hold for every patch level of
 * a minor version, never for its alphas, betas and candidates. */
static const struct named_op *table_of(uint32_t version_hex)
{
    unsigned major = (version_hex >> 24) & 0xff, minor = (version_hex >> 16) & 0xff;
    unsigned level = (version_hex >> 4) & 0xf, micro = (version_hex >> 8) & 0xff;
    int released = level == 0xf || micro > 0;

    if (major != 3 || !released)
        return NULL;
    switch (minor) {
    case 8:
    case 9:
    case 10:
        return ops_38_310;
    case 11:
        return ops_311;
    case 12:
        return ops_312;
    case 13:
        return ops_313;
    case 14:
        return ops_314;
    default:
        return NULL;
    }
}

int pyopcodes_for_version(uint32_t version_hex, struct py_opcodes *out)
{
    const struct named_op *table = table_of(version_hex);

    memset(out->kind, table ? PYOP_OTHER : PYOP_UNKNOWN, sizeof(out->kind));
    out->known = table != NULL;
    if (!table)
        return -ENOTSUP;
    for (; table->name; table++)
        out->kind[table->number] = (uint8_t)pyopcodes_kind_of_name(table->name);
    return 0;
}
