/** The department a room belongs to ("Everyone" for none), as the create and settings dialogs ask for it. */
export function DepartmentSelect({ id, value, departments, onChange }: { id: string; value: string; departments: string[]; onChange: (department: string) => void }) {
  return (
    <>
      <label htmlFor={id}>Department</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Everyone</option>
        {departments.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </>
  );
}
