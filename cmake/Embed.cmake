# consentd_embed(NAME NAMESPACE VARIABLE BASE_DIR GLOB...)
# Generates a C++ source that defines `const std::map<std::string_view, std::string_view>
# NAMESPACE::VARIABLE` holding every file matched by GLOB, keyed by its path relative to
# BASE_DIR, and sets NAME_SOURCE to that source. Regenerated when a file changes.
function(consentd_embed name namespace variable base_dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${ARGN})
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${namespace} -DVARIABLE=${variable}
            -DBASE=${base_dir} "-DFILES=${files}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    VERBATIM)
  set(${name}_SOURCE ${out} PARENT_SCOPE)
endfunction()
