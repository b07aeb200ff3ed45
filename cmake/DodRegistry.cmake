# Reads labels/dod.json (the single source of truth for DoD items) at configure time and
# registers every gtest case it names as its own CTest test, with the union of the labels of
# every row that draws evidence from it, the row's timeout and the skip mapping.
#
# Caller sets: DOD_REGISTRY (path to dod.json), DOD_TARGET (the gtest binary), DOD_RUNS_ROOT
# (where runs keyed by their ctest process live; see src/runtime/run.h). Nothing a case writes
# goes to a fixed place in the build tree, so two runs on one tree never collide.

# The strings of items[index].<key> (an absent key reads as an empty list).
function(_dod_json_strings out index key)
  set(values "")
  string(JSON n ERROR_VARIABLE missing LENGTH "${_dod_json}" items ${index} ${key})
  if(NOT missing AND n GREATER 0)
    math(EXPR last "${n} - 1")
    foreach(j RANGE ${last})
      string(JSON v GET "${_dod_json}" items ${index} ${key} ${j})
      list(APPEND values "${v}")
    endforeach()
  endif()
  set(${out} "${values}" PARENT_SCOPE)
endfunction()

set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${DOD_REGISTRY}")
file(READ "${DOD_REGISTRY}" _dod_json)
string(JSON _dod_n LENGTH "${_dod_json}" items)
math(EXPR _dod_last "${_dod_n} - 1")

set(_dod_tests "")
foreach(i RANGE ${_dod_last})
  string(JSON _id GET "${_dod_json}" items ${i} id)
  string(JSON _mode GET "${_dod_json}" items ${i} mode)
  string(JSON _timeout ERROR_VARIABLE _no_timeout GET "${_dod_json}" items ${i} timeout)
  if(_no_timeout)
    string(JSON _timeout GET "${_dod_json}" defaults timeout ${_mode})
  endif()
  string(JSON _runs_last ERROR_VARIABLE _no_last GET "${_dod_json}" items ${i} runs_last)
  if(_no_last)
    set(_runs_last OFF)
  endif()
  _dod_json_strings(_labels ${i} labels)
  list(PREPEND _labels "${_mode}")
  # Cases that share a live service (the LangFuse a smoke restarts) take turns under ctest -j.
  _dod_json_strings(_locks ${i} locks)
  string(JSON _nt LENGTH "${_dod_json}" items ${i} tests)
  if(_nt EQUAL 0)
    message(FATAL_ERROR "labels/dod.json: item ${_id} names no test case")
  endif()
  math(EXPR _tl "${_nt} - 1")
  foreach(j RANGE ${_tl})
    string(JSON _t GET "${_dod_json}" items ${i} tests ${j})
    if(NOT _t MATCHES "^[A-Za-z0-9]+\\.[A-Za-z0-9_]+$")
      message(FATAL_ERROR "labels/dod.json: item ${_id}: '${_t}' is not a concrete Suite.Name")
    endif()
    string(MAKE_C_IDENTIFIER "${_t}" _key)
    if(NOT _t IN_LIST _dod_tests)
      list(APPEND _dod_tests "${_t}")
      set(_dod_labels_${_key} "")
      set(_dod_timeout_${_key} 0)
      set(_dod_last_${_key} OFF)
      set(_dod_inventory_${_key} OFF)
      set(_dod_locks_${_key} "")
    endif()
    list(APPEND _dod_locks_${_key} ${_locks})
    list(APPEND _dod_labels_${_key} ${_labels})
    if(_timeout GREATER _dod_timeout_${_key})
      set(_dod_timeout_${_key} ${_timeout})
    endif()
    if(_runs_last)
      set(_dod_last_${_key} ON)
    endif()
    if(_mode STREQUAL "automatic" AND NOT _runs_last)
      set(_dod_inventory_${_key} ON)
    endif()
  endforeach()
endforeach()

foreach(_t IN LISTS _dod_tests)
  string(MAKE_C_IDENTIFIER "${_t}" _key)
  list(REMOVE_DUPLICATES _dod_labels_${_key})
  add_test(NAME ${_t}
           COMMAND ${DOD_TARGET} --gtest_filter=${_t})
  set_tests_properties(${_t} PROPERTIES
    LABELS "${_dod_labels_${_key}}"
    SKIP_RETURN_CODE 77
    TIMEOUT ${_dod_timeout_${_key}}
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    ENVIRONMENT "INFRA_DOD_RUNS_ROOT=${DOD_RUNS_ROOT}")
  if(_dod_locks_${_key})
    list(REMOVE_DUPLICATES _dod_locks_${_key})
    set_tests_properties(${_t} PROPERTIES RESOURCE_LOCK "${_dod_locks_${_key}}")
  endif()
  if(_dod_last_${_key})
    # A cleanup of the run fixture runs after every other case of the selection.
    set_tests_properties(${_t} PROPERTIES FIXTURES_CLEANUP dod_run)
  elseif(_dod_inventory_${_key})
    # Automatic cases judge the run's inventory snapshot, collected once before them.
    set_tests_properties(${_t} PROPERTIES FIXTURES_REQUIRED "dod_run;dod_inventory")
  else()
    set_tests_properties(${_t} PROPERTIES FIXTURES_REQUIRED dod_run)
  endif()
endforeach()
set(DOD_TESTS "${_dod_tests}")
