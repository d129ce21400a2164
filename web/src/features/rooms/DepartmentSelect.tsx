import { SelectField } from '../../ui/SelectField';

/** The department a room belongs to ("Everyone" for none), as the create and settings dialogs ask for it. */
export function DepartmentSelect({ id, value, departments, onChange }: { id: string; value: string; departments: string[]; onChange: (department: string) => void }) {
  return <SelectField className="stack" id={id} label="Department" value={value} choices={departments} none="Everyone" onChange={onChange} />;
}
