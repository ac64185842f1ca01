# Writes OUT, a C++ file holding every migrations/NNNN_name.sql as a string, in version order.
# Run with -DDIR=<migrations dir> -DOUT=<file>.
file(GLOB files "${DIR}/[0-9][0-9][0-9][0-9]_*.sql")
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  string(SUBSTRING ${name} 0 4 version)
  math(EXPR version "${version}")
  file(READ ${f} sql)
  string(APPEND body "    {${version}, \"${name}\", R\"sv_sql(${sql})sv_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp
"// Generated from libs/store/migrations by cmake/embed_migrations.cmake. Do not edit.\n"
"#include \"libs/store/migrations.h\"\n\n"
"namespace secondvoice::store {\n\n"
"const std::vector<Migration>& Migrations() {\n"
"  static const std::vector<Migration> kMigrations = {\n${body}  };\n"
"  return kMigrations;\n}\n\n"
"}  // namespace secondvoice::store\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
