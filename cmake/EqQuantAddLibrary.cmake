# eqquant_add_library(<name> <sources...>
#   [DEPENDS <targets...>]      tablegen targets to build first
#   [LINK_LIBS <targets...>]    EqQuant libraries
#   [MLIR_LIBS <names...>])     upstream MLIR libraries (resolved to libMLIR.so)
#
# A static library installed and exported as EqQuant::<name>.
function(eqquant_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS;MLIR_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  add_library(EqQuant::${name} ALIAS ${name})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # MLIR's headers need C++17; exported, so consumers get it too.
  target_compile_features(${name} PUBLIC cxx_std_17)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  if(ARG_LINK_LIBS)
    target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS})
  endif()
  if(ARG_MLIR_LIBS)
    mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  endif()
  # The code uses LLVM (Support, ADT, APFloat) directly, and libMLIR.so does not
  # bring libLLVM.so onto a consumer's link line: name it so the exported
  # targets link on their own (add_llvm_executable adds it only in this build).
  if(MLIR_LINK_MLIR_DYLIB AND LLVM_LINK_LLVM_DYLIB)
    target_link_libraries(${name} PUBLIC LLVM)
  endif()
  install(TARGETS ${name} EXPORT EqQuantTargets
    ARCHIVE DESTINATION lib
    LIBRARY DESTINATION lib)
  set_property(GLOBAL APPEND PROPERTY EQQUANT_LIBS ${name})
endfunction()
