// expect: search_space::over<type_list<...>>: give at least one architecture
#include <partrain/experiment.hpp>
int main() { (void)partrain::experiment::search_space::over<partrain::type_list<>>(); }
